/* inkan: the command line entry point; dispatches to one file per subcommand. */
#include "inkan-cli.h"
#include "config.h"
#include <locale.h>
#include <stdio.h>

typedef struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
  { "sign", cli_sign, N_("sign a message (multipart/signed or opaque), after checking From against the certificate") },
  { "encrypt", cli_encrypt, N_("encrypt a message to recipients' certificates, optionally signing it first") },
  { "verify", cli_verify, N_("verify a signed message and say who signed it and whether it is from the From address") },
  { "decrypt", cli_decrypt, N_("decrypt a message and verify any signature inside") },
  { "import", cli_import, N_("import a PKCS#12 or a CA's .crt/.p7b/.zip delivery into mutt's store, Thunderbird or gpgsm") },
  { "list", cli_list, N_("list identities and certificates in a store, with days left") },
  { "remove", cli_remove, N_("remove an identity or certificate from a store") },
  { "csr", cli_csr, N_("make a private key and a certificate signing request for a CA") },
  { "export", cli_export, N_("export an identity as a PKCS#12 file") },
  { "mutt", cli_mutt, N_("set mutt up for S/MIME with inkan (“inkan mutt setup”), and the commands mutt runs") },
  { "lint", cli_lint, N_("check certificates against the S/MIME Baseline Requirements (SBR)") },
  { "chain", cli_chain, N_("show the chain of a certificate or signed message to an email trust anchor") },
  { "scan", cli_scan, N_("verify every signed mail in files, directories, mbox files and Maildirs; summary and report") },
  { "expiry", cli_expiry, N_("list certificates with days left and the renewal reminders they are inside") },
  { "check-request", cli_check_request, N_("check a bulk request file (NII UPKI TSV, MPKI Lite CSV) before upload") },
  { "thunderbird", cli_thunderbird, N_("install the Thunderbird extension and its native host (install, uninstall, status)") },
};

static int
usage (FILE *out)
{
  fprintf (out, _("Usage: inkan COMMAND [OPTION...]\n\nCommands:\n"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-14s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, _("\n“inkan help COMMAND” shows the options of a command; “inkan --version” the version.\n"));
  return out == stdout ? EXIT_OK : EXIT_USAGE;
}

static const Command *
find_command (const char *name)
{
  for (guint i = 0; name && i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

int
main (int argc, char **argv)
{
  const Command *cmd;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, INKAN_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    return usage (stderr);
  if (!strcmp (argv[1], "--version") || !strcmp (argv[1], "version"))
    {
      inkan_init ();
      printf ("inkan %s (libinkan %s, GMime %u.%u.%u, %s)\n", INKAN_VERSION, inkan_version (),
              gmime_major_version, gmime_minor_version, gmime_micro_version,
              OpenSSL_version (OPENSSL_VERSION));
      return EXIT_OK;
    }
  if (!strcmp (argv[1], "--help") || !strcmp (argv[1], "-h"))
    return usage (stdout);
  if (!strcmp (argv[1], "help"))
    {
      char *help_argv[] = { NULL, (char *) "--help", NULL };
      if (argc < 3)
        return usage (stdout);
      if ((cmd = find_command (argv[2])) == NULL)
        {
          g_printerr (_("inkan help: “%s” is not a command; “inkan --help” lists them.\n"), argv[2]);
          return EXIT_USAGE;
        }
      help_argv[0] = argv[2];
      return cmd->run (2, help_argv);
    }
  if ((cmd = find_command (argv[1])) == NULL)
    {
      g_printerr (_("inkan: “%s” is not a command.\n"), argv[1]);
      return usage (stderr);
    }
  inkan_init ();
  return cmd->run (argc - 1, argv + 1);
}
