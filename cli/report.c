/* Printing a verdict for people (short, plain) or for programs (--json). */
#include "inkan-cli.h"
#include <json-glib/json-glib.h>
#include "json-out.h"

static void
print_json (FILE *out, const InkanVerdict *v)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  cli_json_add_string (b, "verdict", inkan_verdict_kind_to_string (v->kind));
  json_builder_set_member_name (b, "flags");
  json_builder_begin_array (b);
  for (guint bit = 1; bit <= INKAN_FLAG_ENCRYPTED; bit <<= 1)
    if (v->flags & bit)
      json_builder_add_string_value (b, inkan_verdict_flag_to_string (bit));
  json_builder_end_array (b);
  cli_json_add_string (b, "from", v->from);
  cli_json_add_string (b, "sender", v->sender);
  cli_json_add_string (b, "signed_part", v->signed_part);
  json_builder_set_member_name (b, "signers");
  json_builder_begin_array (b);
  for (guint i = 0; i < v->signers->len; i++)
    {
      InkanSigner *s = g_ptr_array_index (v->signers, i);
      json_builder_begin_object (b);
      cli_json_add_string (b, "subject", s->subject);
      cli_json_add_string (b, "issuer", s->issuer);
      json_builder_set_member_name (b, "emails");
      json_builder_begin_array (b);
      for (guint j = 0; s->emails && j < s->emails->len; j++)
        json_builder_add_string_value (b, g_ptr_array_index (s->emails, j));
      json_builder_end_array (b);
      cli_json_add_string (b, "serial", s->serial);
      cli_json_add_time (b, "not_before", s->subject ? s->not_before : -1);
      cli_json_add_time (b, "not_after", s->subject ? s->not_after : -1);
      cli_json_add_string (b, "signature_algorithm", s->signature_algorithm);
      cli_json_add_string (b, "digest_algorithm", s->digest_algorithm);
      cli_json_add_bool (b, "signature_valid", s->signature_valid);
      cli_json_add_bool (b, "chain_trusted", s->chain_trusted);
      cli_json_add_bool (b, "from_match", s->from_match);
      cli_json_add_time (b, "signing_time", s->signing_time);
      cli_json_add_time (b, "verified_at", s->subject ? s->verified_at : -1);
      cli_json_add_string (b, "chain_error", s->chain_error);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  fprintf (out, "%s\n", text);
}

static const char *
flag_sentence (InkanVerdictFlags flag)
{
  switch (flag)
    {
    case INKAN_FLAG_FROM_MISMATCH: return _("The signer is not the From address: do not trust who this mail says it is from.");
    case INKAN_FLAG_UNTRUSTED: return _("The signer's certificate does not chain to a trusted root for email.");
    case INKAN_FLAG_EXPIRED: return _("The signer's certificate (or a CA above it) had expired at the time checked.");
    case INKAN_FLAG_NOT_YET_VALID: return _("The signer's certificate was not yet valid at the time checked.");
    case INKAN_FLAG_NO_SIGNER: return _("The signature names no signer certificate that inkan could find.");
    case INKAN_FLAG_MULTIPLE_SIGNERS: return _("The signature has more than one signer.");
    case INKAN_FLAG_NOT_DETACHED: return _("The detached signature also carries its own copy of the content, which may differ from what is shown.");
    case INKAN_FLAG_PARTIALLY_SIGNED: return _("Only a part of this mail is signed; the rest could have been added by anyone.");
    case INKAN_FLAG_WEAK_ALGORITHM: return _("The signature uses a weak algorithm (SHA-1, MD5 or an RSA key under 2048 bits).");
    case INKAN_FLAG_ADDRESS_FROM_SUBJECT: return _("The signer's address comes from the certificate subject, not the subjectAltName (an old-style certificate).");
    case INKAN_FLAG_ENCRYPTED: return _("The mail was encrypted.");
    default: return NULL;
    }
}

static const char *
kind_sentence (InkanVerdictKind kind)
{
  switch (kind)
    {
    case INKAN_VERDICT_VALID: return _("valid: the signature is good, the certificate is trusted, and the signer is the From address.");
    case INKAN_VERDICT_VALID_SIGNATURE: return _("NOT VALID: the signature itself is intact, but:");
    case INKAN_VERDICT_INVALID: return _("INVALID: the signature does not match the message; it was altered or forged.");
    case INKAN_VERDICT_NOT_SIGNED:
    default: return _("not signed: the mail has no S/MIME signature.");
    }
}

static void
print_text (FILE *out, const InkanVerdict *v)
{
  if (v->kind == INKAN_VERDICT_INVALID && (v->flags & (INKAN_FLAG_NOT_DETACHED | INKAN_FLAG_NO_SIGNER)))
    fprintf (out, "%s\n", _("INVALID: the signature cannot be accepted:"));
  else
    fprintf (out, "%s\n", kind_sentence (v->kind));
  for (guint bit = 1; bit <= INKAN_FLAG_ENCRYPTED; bit <<= 1)
    if ((v->flags & bit) && bit != INKAN_FLAG_ENCRYPTED
        && !(v->kind == INKAN_VERDICT_VALID && bit != INKAN_FLAG_ADDRESS_FROM_SUBJECT))
      fprintf (out, "  - %s\n", flag_sentence (bit));
  if (v->signed_part)
    fprintf (out, _("  signed part: %s\n"), v->signed_part);
  fprintf (out, _("  From: %s\n"), v->from ? v->from : _("(none)"));
  if (v->sender)
    fprintf (out, _("  Sender: %s\n"), v->sender);
  for (guint i = 0; i < v->signers->len; i++)
    {
      InkanSigner *s = g_ptr_array_index (v->signers, i);
      g_autofree char *when = cli_json_iso_time (s->signing_time);
      g_autofree char *emails = NULL;

      if (s->emails && s->emails->len)
        {
          g_ptr_array_add (s->emails, NULL);
          emails = g_strjoinv (", ", (char **) s->emails->pdata);
          g_ptr_array_remove_index (s->emails, s->emails->len - 1);
        }
      fprintf (out, _("  Signer: %s%s\n"), emails ? emails : _("(no address)"),
               s->from_match ? _(" (the From address)") : "");
      if (s->subject)
        fprintf (out, _("    certificate: %s\n    issued by: %s\n"), s->subject, s->issuer);
      fprintf (out, _("    signature: %s, %s%s; signed %s\n"), s->signature_algorithm, s->digest_algorithm,
               s->signature_valid ? "" : _(", DOES NOT VERIFY"), when ? when : _("(no signing time)"));
      if (s->chain_error)
        fprintf (out, _("    chain: %s\n"), s->chain_error);
    }
  if (v->flags & INKAN_FLAG_ENCRYPTED)
    fprintf (out, "  %s\n", flag_sentence (INKAN_FLAG_ENCRYPTED));
}

void
cli_print_verdict (FILE *out, const InkanVerdict *verdict, gboolean json)
{
  if (json)
    print_json (out, verdict);
  else
    print_text (out, verdict);
  fflush (out);
}

int
cli_verdict_exit_code (const InkanVerdict *verdict)
{
  switch (verdict->kind)
    {
    case INKAN_VERDICT_VALID: return EXIT_OK;
    case INKAN_VERDICT_NOT_SIGNED: return EXIT_NOTHING;
    default: return EXIT_NOT_VALID;
    }
}
