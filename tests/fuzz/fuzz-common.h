/* What every libFuzzer harness of tests/fuzz shares (docs/security.md):
 * the fixed test identity, trust in it, and the invariants a verdict must
 * keep whatever the input.  A violated invariant aborts, so libFuzzer (or
 * the replay driver, replay.c) reports it like a crash. */
#ifndef INKAN_FUZZ_COMMON_H
#define INKAN_FUZZ_COMMON_H

#include "inkan.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef FUZZ_DIR
#error "FUZZ_DIR (tests/fuzz in the source tree) must be defined"
#endif

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* LeakSanitizer's interface, when the harness runs under it. */
extern void __lsan_disable (void) __attribute__ ((weak));
extern void __lsan_enable (void) __attribute__ ((weak));

/* GMime 3.2.13 (Debian 12) leaks the addr-spec of an address followed by
 * a comment that is never closed ("a@b (x"), in address_parse(), while it
 * parses the message: https://github.com/jstedfast/gmime/issues/159, fixed
 * upstream.  inkan cannot avoid it; for inputs with an unclosed comment in
 * an address header field the harness runs with leak checking off (every
 * other check stays on).  Returns TRUE when @data has such a field. */
static inline gboolean
fuzz_gmime_issue_159 (const uint8_t *data, size_t size)
{
  static const char *const names[] = { "from", "to", "cc", "bcc", "sender", "reply-to",
                                       "resent-from", "resent-to", "resent-cc", "resent-bcc",
                                       "resent-sender", "resent-reply-to" };
  size_t i = 0;

  while (i < size)
    {
      size_t start = i, colon;
      gboolean address = FALSE;
      int depth = 0;
      gboolean quoted = FALSE;

      for (colon = i; colon < size && data[colon] != ':' && data[colon] != '\n'; colon++)
        ;
      if (colon < size && data[colon] == ':')
        for (guint n = 0; n < G_N_ELEMENTS (names) && !address; n++)
          address = colon - start >= strlen (names[n])
                    && g_ascii_strncasecmp ((const char *) data + start, names[n], strlen (names[n])) == 0;
      /* the field, with its continuation lines */
      for (i = colon; i < size; i++)
        {
          if (data[i] == '\n' && (i + 1 >= size || (data[i + 1] != ' ' && data[i + 1] != '\t')))
            break;
          if (!address)
            continue;
          if (data[i] == '\\' && i + 1 < size)
            i++;
          else if (quoted)
            quoted = data[i] != '"';
          else if (data[i] == '"' && depth == 0)
            quoted = TRUE;
          else if (data[i] == '(')
            depth++;
          else if (data[i] == ')' && depth > 0)
            depth--;
        }
      if (address && depth > 0)
        return TRUE;
      i++;
    }
  return FALSE;
}

static inline void
fuzz_leak_check (gboolean on)
{
  if (on && __lsan_enable)
    __lsan_enable ();
  else if (!on && __lsan_disable)
    __lsan_disable ();
}

/* The identity (tests/fuzz/identity.pem, fuzz@example.org, self-signed)
 * decrypts and is the only trust anchor. */
typedef struct {
  InkanIdentity *identity;
  X509 *cert;
  InkanTrust *trust;
} FuzzFixture;

#define FUZZ_PASSPHRASE "inkan-test-passphrase"
#define FUZZ_ADDRESS "fuzz@example.org"

#define fuzz_assert(cond)                                                        \
  do {                                                                           \
    if (!(cond))                                                                 \
      {                                                                          \
        fprintf (stderr, "fuzz invariant broken: %s (%s:%d)\n", #cond, __FILE__, \
                 __LINE__);                                                      \
        abort ();                                                                \
      }                                                                          \
  } while (0)

static inline void
fuzz_log_handler (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  g_log_default_handler (domain, level, message, data);
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL))
    abort ();
}

static inline FuzzFixture *
fuzz_fixture (void)
{
  static FuzzFixture f;
  static gboolean done = FALSE;
  GError *error = NULL;

  if (done)
    return &f;
  done = TRUE;
  inkan_init ();
  /* A GLib critical is a libinkan bug (an API called with bad arguments);
   * abort() rather than GLib's breakpoint, so that libFuzzer keeps the input. */
  g_log_set_default_handler (fuzz_log_handler, NULL);
  f.identity = inkan_identity_load (FUZZ_DIR "/identity.pem", NULL, &error);
  if (f.identity == NULL)
    {
      fprintf (stderr, "cannot load %s: %s\n", FUZZ_DIR "/identity.pem", error->message);
      abort ();
    }
  f.cert = inkan_identity_get_certificate (f.identity);
  f.trust = inkan_trust_new (FALSE, NULL);
  inkan_trust_add_cert (f.trust, f.cert);
  return &f;
}

static inline void
fuzz_check_utf8 (const char *s)
{
  fuzz_assert (s == NULL || g_utf8_validate (s, -1, NULL));
}

/* Error sentences are printed and put into JSON: UTF-8 too. */
static inline void
fuzz_check_error (const GError *error)
{
  if (error)
    fuzz_check_utf8 (error->message);
}

/* What inkan.h promises about every verdict, and what the JSON printer
 * needs (valid UTF-8 everywhere).  @with_from: the verdict compares the
 * signer with a From address (message verdicts, not inkan_cms_verify()). */
static inline void
fuzz_check_verdict_full (const InkanVerdict *v, gboolean with_from)
{
  const guint known = (INKAN_FLAG_ENCRYPTED << 1) - 1;
  const guint lowering = INKAN_FLAG_FROM_MISMATCH | INKAN_FLAG_UNTRUSTED | INKAN_FLAG_EXPIRED
                         | INKAN_FLAG_NOT_YET_VALID | INKAN_FLAG_MULTIPLE_SIGNERS
                         | INKAN_FLAG_PARTIALLY_SIGNED | INKAN_FLAG_WEAK_ALGORITHM;

  fuzz_assert (v->kind <= INKAN_VERDICT_NOT_SIGNED);
  fuzz_assert ((v->flags & ~known) == 0);
  fuzz_assert (v->signers != NULL);
  fuzz_check_utf8 (v->from);
  fuzz_check_utf8 (v->sender);
  fuzz_check_utf8 (v->signed_part);
  fuzz_assert (!(v->flags & INKAN_FLAG_PARTIALLY_SIGNED) || v->signed_part != NULL);
  if (v->kind == INKAN_VERDICT_NOT_SIGNED)
    fuzz_assert (v->signers->len == 0);
  if (v->kind == INKAN_VERDICT_VALID)
    {
      InkanSigner *s;
      fuzz_assert ((v->flags & lowering) == 0);
      fuzz_assert (!(v->flags & (INKAN_FLAG_NO_SIGNER | INKAN_FLAG_NOT_DETACHED)));
      fuzz_assert (v->signers->len == 1);
      s = g_ptr_array_index (v->signers, 0);
      fuzz_assert (s->signature_valid && s->chain_trusted && (s->from_match || !with_from));
    }
  if (v->kind == INKAN_VERDICT_VALID_SIGNATURE)
    fuzz_assert ((v->flags & lowering) != 0);
  for (guint i = 0; i < v->signers->len; i++)
    {
      InkanSigner *s = g_ptr_array_index (v->signers, i);
      fuzz_check_utf8 (s->subject);
      fuzz_check_utf8 (s->issuer);
      fuzz_check_utf8 (s->serial);
      fuzz_check_utf8 (s->signature_algorithm);
      fuzz_check_utf8 (s->digest_algorithm);
      fuzz_check_utf8 (s->chain_error);
      for (guint j = 0; s->emails && j < s->emails->len; j++)
        fuzz_check_utf8 (g_ptr_array_index (s->emails, j));
      if (v->kind == INKAN_VERDICT_VALID || v->kind == INKAN_VERDICT_VALID_SIGNATURE)
        fuzz_assert (s->signature_valid);
    }
}

static inline void
fuzz_check_verdict (const InkanVerdict *v)
{
  fuzz_check_verdict_full (v, TRUE);
}

/* A message's bytes, to check that a failed operation left it unchanged. */
static inline GBytes *
fuzz_message_bytes (GMimeMessage *msg)
{
  return inkan_message_to_bytes (msg);
}

#endif
