/* In-process verification rate of small signed mails (bench/verify-rate.sh).
 *
 *   verify-rate [-n N] [-j THREADS] [--openssl] ANCHORS.pem MAIL...
 *
 * inkan: GMime parse → inkan_message_verify(), N times over the MAILs (read
 * into memory first), with one InkanTrust shared by every thread; each
 * verdict must be "valid".  --openssl: the same loop with OpenSSL alone
 * (SMIME_read_CMS → CMS_verify against one X509_STORE), the peer figure.
 * Prints "mails/s" and the time per mail.
 */
#include <inkan.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static GPtrArray *mails;   /* GBytes* */
static InkanTrust *trust;
static X509_STORE *store;  /* --openssl */
static gboolean use_openssl;

typedef struct { guint from, to; guint failed; } Slice;

static void
verify_inkan (GBytes *bytes, Slice *slice)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GMimeMessage) msg = inkan_message_parse_bytes (bytes, &error);
  g_autoptr (InkanVerdict) v = msg ? inkan_message_verify (msg, trust, 0, &error) : NULL;

  if (v == NULL || v->kind != INKAN_VERDICT_VALID)
    {
      if (slice->failed++ == 0)
        fprintf (stderr, "verify-rate: not valid: %s\n",
                 error ? error->message : v ? inkan_verdict_kind_to_string (v->kind) : "?");
    }
}

static void
verify_openssl (GBytes *bytes, Slice *slice)
{
  gsize len;
  const void *data = g_bytes_get_data (bytes, &len);
  BIO *in = BIO_new_mem_buf (data, (int) len);
  BIO *content = NULL;
  CMS_ContentInfo *cms = SMIME_read_CMS (in, &content);
  BIO *out = BIO_new (BIO_s_null ());

  if (cms == NULL || CMS_verify (cms, NULL, store, content, out, CMS_BINARY) != 1)
    {
      if (slice->failed++ == 0)
        {
          fprintf (stderr, "verify-rate: openssl says not valid:\n");
          ERR_print_errors_fp (stderr);
        }
    }
  ERR_clear_error ();
  CMS_ContentInfo_free (cms);
  BIO_free (content);
  BIO_free (in);
  BIO_free (out);
}

static gpointer
run_slice (gpointer data)
{
  Slice *slice = data;

  for (guint i = slice->from; i < slice->to; i++)
    {
      GBytes *bytes = g_ptr_array_index (mails, i % mails->len);
      if (use_openssl)
        verify_openssl (bytes, slice);
      else
        verify_inkan (bytes, slice);
    }
  return NULL;
}

int
main (int argc, char **argv)
{
  gint n = 20000, jobs = 1;
  GOptionEntry entries[] = {
    { "count", 'n', 0, G_OPTION_ARG_INT, &n, "Verify N mails in all (default 20000)", "N" },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "Threads (default 1)", "J" },
    { "openssl", 0, 0, G_OPTION_ARG_NONE, &use_openssl, "OpenSSL alone: SMIME_read_CMS + CMS_verify", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("ANCHORS.pem MAIL... — verification rate");
  g_autoptr (GError) error = NULL;
  g_autofree Slice *slices = NULL;
  g_autofree GThread **threads = NULL;
  guint failed = 0;
  gsize total = 0;
  gint64 t0, t1;
  double secs;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc < 3 || n < 1 || jobs < 1)
    {
      fprintf (stderr, "usage: verify-rate [-n N] [-j J] [--openssl] ANCHORS.pem MAIL...\n");
      return 2;
    }
  inkan_init ();
  mails = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (int i = 2; i < argc; i++)
    {
      char *data;
      gsize len;
      if (!g_file_get_contents (argv[i], &data, &len, &error))
        {
          fprintf (stderr, "verify-rate: %s\n", error->message);
          return 2;
        }
      g_ptr_array_add (mails, g_bytes_new_take (data, len));
      total += len;
    }
  if ((trust = inkan_trust_new (FALSE, &error)) == NULL || !inkan_trust_add_file (trust, argv[1], &error))
    {
      fprintf (stderr, "verify-rate: %s\n", error->message);
      return 2;
    }
  if (use_openssl)
    {
      g_autoptr (GPtrArray) anchors = inkan_certificates_load (argv[1], &error);
      store = X509_STORE_new ();
      for (guint i = 0; anchors && i < anchors->len; i++)
        X509_STORE_add_cert (store, g_ptr_array_index (anchors, i));
      X509_STORE_set_purpose (store, X509_PURPOSE_SMIME_SIGN);
    }

  slices = g_new0 (Slice, jobs);
  threads = g_new0 (GThread *, jobs);
  t0 = g_get_monotonic_time ();
  for (int j = 0; j < jobs; j++)
    {
      slices[j].from = (guint) ((gint64) n * j / jobs);
      slices[j].to = (guint) ((gint64) n * (j + 1) / jobs);
      threads[j] = g_thread_new ("verify", run_slice, &slices[j]);
    }
  for (int j = 0; j < jobs; j++)
    {
      g_thread_join (threads[j]);
      failed += slices[j].failed;
    }
  t1 = g_get_monotonic_time ();
  secs = (double) (t1 - t0) / G_USEC_PER_SEC;
  printf ("%s: %d mails (%u distinct, %u bytes avg), %d thread(s): %.3f s, %.0f mails/s, %.1f µs/mail\n",
          use_openssl ? "openssl" : "inkan", n, mails->len,
          (guint) (total / mails->len),
          jobs, secs, n / secs, secs * 1e6 / n);
  inkan_trust_free (trust);
  X509_STORE_free (store);
  g_ptr_array_unref (mails);
  if (failed)
    {
      fprintf (stderr, "verify-rate: %u of %d verifications did not give \"valid\"\n", failed, n);
      return 1;
    }
  return 0;
}
