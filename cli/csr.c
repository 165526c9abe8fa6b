/* inkan csr: a new key (0600, encrypted, never overwritten) and a CSR for
 * the CA's enrolment page. */
#include "inkan-cli.h"
#include <stdio.h>

int
cli_csr (int argc, char **argv)
{
  g_autofree char *email = NULL, *key_type = NULL, *subject = NULL, *output = NULL;
  g_auto (CliPassphrase) npp = { -1, NULL };
  g_autofree GOptionEntry *new_entries = cli_new_passphrase_entries (&npp);
  GOptionEntry entries[] = {
    { "email", 0, 0, G_OPTION_ARG_STRING, &email, N_("The address the certificate is for"), N_("ADDR") },
    { "key", 0, 0, G_OPTION_ARG_STRING, &key_type, N_("rsa2048 (default), rsa3072, rsa4096, p256 or p384"), N_("TYPE") },
    { "subject", 0, 0, G_OPTION_ARG_STRING, &subject, N_("Subject DN, e.g. /C=JP/O=Example/CN=Taro Yamada (default: CN=ADDR)"), "DN" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Write NAME.key and NAME.csr"), N_("NAME") },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("— make a private key and a certificate signing request"));
  EVP_PKEY *key = NULL;
  g_autofree char *csr = NULL, *pass = NULL, *key_pem = NULL;
  g_autofree char *key_path = NULL, *csr_path = NULL;
  GError *error = NULL;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (ctx, new_entries, GETTEXT_PACKAGE);
  if (!cli_parse_options (ctx, &argc, &argv, "csr"))
    return EXIT_USAGE;
  if (email == NULL || output == NULL)
    return cli_usage ("csr", _("give --email ADDR and -o NAME"));
  key_path = g_strconcat (output, ".key", NULL);
  csr_path = g_strconcat (output, ".csr", NULL);
  if (g_file_test (key_path, G_FILE_TEST_EXISTS))
    {
      g_printerr (_("inkan csr: “%s” already exists; a key file is never overwritten. Choose another -o NAME.\n"), key_path);
      return EXIT_EXISTS;
    }
  if ((csr = inkan_csr_new (email, key_type, subject, &key, &error)) == NULL
      || (pass = cli_ask_new_passphrase (key_path, &npp, &error)) == NULL
      || (key_pem = inkan_key_to_encrypted_pem (key, pass, &error)) == NULL
      || !inkan_file_write_atomic (key_path, key_pem, strlen (key_pem), 0600, FALSE, &error)
      || !inkan_file_write_atomic (csr_path, csr, strlen (csr), 0644, TRUE, &error))
    {
      if (pass)
        memset (pass, 0, strlen (pass));
      EVP_PKEY_free (key);
      cli_passphrase_clear (&npp);
      return cli_fail ("csr", error);
    }
  memset (pass, 0, strlen (pass));
  memset (key_pem, 0, strlen (key_pem));
  EVP_PKEY_free (key);
  cli_passphrase_clear (&npp);
  printf (_("Wrote the private key %s (encrypted, mode 0600) and the request %s.\n"
            "Paste %s into the CA's enrolment form; import the certificate it sends with:\n"
            "  inkan import %s CERTIFICATE.crt [INTERMEDIATE.crt]\n"), key_path, csr_path, csr_path, key_path);
  return EXIT_OK;
}
