/* inkan import: a CA delivery into inkan's store (mutt's layout),
 * Thunderbird's NSS database, gpgsm, or all of them. */
#include "inkan-cli.h"
#include <openssl/x509v3.h>

static void
print_summary (InkanDelivery *delivery)
{
  InkanIdentity *id = inkan_delivery_get_identity (delivery);
  GPtrArray *certs = inkan_delivery_get_certificates (delivery);
  X509 *leaf = id ? inkan_identity_get_certificate (id) : NULL;

  for (guint i = 0; i < certs->len; i++)
    {
      X509 *c = g_ptr_array_index (certs, i);
      g_autoptr (GPtrArray) emails = NULL;
      const char *profile;

      if (X509_check_ca (c) != 0 || (leaf && c != leaf && X509_cmp (c, leaf) != 0))
        continue;
      emails = inkan_certificate_get_addresses (c, NULL);
      profile = inkan_certificate_sbr_profile (c);
      g_ptr_array_add (emails, NULL);
      {
        g_autofree char *joined = g_strjoinv (", ", (char **) emails->pdata);
        printf (_("%s %s (%s)\n"), leaf ? _("Identity:") : _("Certificate:"), joined,
                profile ? profile : _("no SBR profile: a pre-SBR or private certificate"));
      }
      cli_print_lint_summary (c, certs);
    }
  if (id)
    printf (_("  with its private key and %d intermediate CA certificate(s)\n"),
            sk_X509_num (inkan_identity_get_chain (id)));
}

int
cli_import (int argc, char **argv)
{
  g_autofree char *into = NULL, *profile = NULL, *label = NULL;
  gboolean force = FALSE, trust_root = FALSE;
  g_auto (CliPassphrase) pp = { -1, NULL }, npp = { -1, NULL };
  g_autofree GOptionEntry *pass_entries = cli_passphrase_entries (&pp);
  g_autofree GOptionEntry *new_entries = cli_new_passphrase_entries (&npp);
  GOptionEntry entries[] = {
    { "into", 0, 0, G_OPTION_ARG_STRING, &into, N_("inkan (default; mutt's smime_keys layout), mutt, thunderbird, gpgsm or all"), N_("STORE") },
    { "profile", 0, 0, G_OPTION_ARG_FILENAME, &profile, N_("The Thunderbird profile folder (default: the default profile)"), "DIR" },
    { "label", 0, 0, G_OPTION_ARG_STRING, &label, N_("A label for the stored identity"), N_("TEXT") },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, N_("Replace an existing entry for the same certificate"), NULL },
    { "trust-root", 0, 0, G_OPTION_ARG_NONE, &trust_root, N_("Thunderbird: trust a root CA that comes with the delivery for email"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("FILE... — import a PKCS#12, or a key with the CA's .crt/.p7b/.zip delivery"));
  g_autoptr (InkanDelivery) delivery = NULL;
  gboolean to_inkan, to_tb, to_gpgsm;
  GError *error = NULL;
  int rc = EXIT_OK;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (ctx, pass_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (ctx, new_entries, GETTEXT_PACKAGE);
  if (!cli_parse_options (ctx, &argc, &argv, "import"))
    return EXIT_USAGE;
  if (argc < 2)
    return cli_usage ("import", _("give the files to import"));
  if (into == NULL)
    into = g_strdup ("inkan");
  to_inkan = !strcmp (into, "inkan") || !strcmp (into, "mutt") || !strcmp (into, "all");
  to_tb = !strcmp (into, "thunderbird") || !strcmp (into, "all");
  to_gpgsm = !strcmp (into, "gpgsm") || !strcmp (into, "all");
  if (!to_inkan && !to_tb && !to_gpgsm)
    return cli_usage ("import", _("--into takes inkan, mutt, thunderbird, gpgsm or all"));

  delivery = inkan_delivery_load ((const char *const *) argv + 1, cli_ask_passphrase, &pp, &error);
  if (delivery == NULL)
    return cli_fail ("import", error);
  print_summary (delivery);

  if (to_inkan)
    {
      g_autofree char *dir = inkan_store_default_dir ();
      g_autoptr (InkanImportResult) r = inkan_store_import (dir, delivery, label, force, cli_ask_new_passphrase, &npp, &error);
      if (r == NULL)
        return cli_fail ("import", error);
      for (guint i = 0; i < r->notes->len; i++)
        printf ("  %s\n", (char *) g_ptr_array_index (r->notes, i));
    }
  if (to_tb)
    {
      g_autofree char *prof = profile ? g_strdup (profile) : inkan_thunderbird_default_profile (NULL, &error);
      g_autoptr (InkanImportResult) r = NULL;
      /* The profile's primary password is not the PKCS#12 passphrase: it is
       * asked on the terminal (list and remove take --passphrase-* for it). */
      g_auto (CliPassphrase) primary = { -1, NULL };

      if (prof)
        r = inkan_thunderbird_import (prof, inkan_delivery_get_identity (delivery),
                                      inkan_delivery_get_certificates (delivery), label, force,
                                      trust_root, cli_ask_passphrase, &primary, &error);
      if (r == NULL)
        rc = cli_fail ("import", error), error = NULL;
      else
        for (guint i = 0; i < r->notes->len; i++)
          printf ("  %s\n", (char *) g_ptr_array_index (r->notes, i));
    }
  if (to_gpgsm)
    {
      InkanIdentity *id = inkan_delivery_get_identity (delivery);
      const char *pass = inkan_delivery_get_passphrase (delivery);
      g_autofree char *new_pass = NULL;
      g_autoptr (InkanImportResult) r = NULL;

      if (id && (pass == NULL || !*pass))
        pass = new_pass = cli_ask_new_passphrase (_("the key in gpgsm"), &npp, &error);
      if (id == NULL || pass)
        r = inkan_gpgsm_import (id, pass, id ? NULL : inkan_delivery_get_certificates (delivery), &error);
      if (new_pass)
        memset (new_pass, 0, strlen (new_pass));
      if (r == NULL)
        rc = cli_fail ("import", error), error = NULL;
      else
        for (guint i = 0; i < r->notes->len; i++)
          printf ("  %s\n", (char *) g_ptr_array_index (r->notes, i));
    }
  cli_passphrase_clear (&pp);
  cli_passphrase_clear (&npp);
  return rc;
}
