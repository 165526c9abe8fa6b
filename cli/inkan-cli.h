/* Shared declarations of the inkan command line tool (cli/). */
#ifndef INKAN_CLI_H
#define INKAN_CLI_H

#include "inkan.h"
#include <glib/gi18n.h>

/* Exit codes (documented in docs/inkan.1.md and docs/errors.md). */
enum {
  EXIT_OK = 0,            /* success; for verify/decrypt: signature valid (or none, for decrypt) */
  EXIT_NOT_VALID = 1,     /* signed, but the verdict is not "valid" */
  EXIT_NOTHING = 2,       /* verify: not signed; decrypt: not encrypted */
  EXIT_USAGE = 3,         /* bad command line */
  EXIT_IO = 4,            /* a file could not be read or written */
  EXIT_PASSPHRASE = 5,    /* passphrase missing or wrong */
  EXIT_IDENTITY = 6,      /* identity or certificate file unusable */
  EXIT_ADDRESS = 7,       /* From/Sender not in the signing certificate: signing refused */
  EXIT_MALFORMED = 8,     /* message or CMS malformed */
  EXIT_DECRYPT = 9,       /* not a recipient, or decryption failed */
  EXIT_INTERNAL = 10,     /* unsupported option or internal failure */
  EXIT_EXISTS = 11,       /* key, file or store entry exists: nothing changed (use --force) */
  EXIT_NOT_FOUND = 12,    /* no such store entry, profile or identity */
  EXIT_LOCKED = 13,       /* the store is in use (Thunderbird running): nothing changed */
};

typedef struct {
  int passphrase_fd;
  char *passphrase_file;
} CliPassphrase;

int cli_sign (int argc, char **argv);
int cli_encrypt (int argc, char **argv);
int cli_verify (int argc, char **argv);
int cli_decrypt (int argc, char **argv);
int cli_import (int argc, char **argv);
int cli_list (int argc, char **argv);
int cli_remove (int argc, char **argv);
int cli_csr (int argc, char **argv);
int cli_export (int argc, char **argv);
int cli_thunderbird (int argc, char **argv);
int cli_mutt (int argc, char **argv);
int cli_lint (int argc, char **argv);
int cli_chain (int argc, char **argv);
int cli_scan (int argc, char **argv);
int cli_expiry (int argc, char **argv);
int cli_check_request (int argc, char **argv);

/* lint.c: certificate files, and the SBR line of sign, encrypt --sign and import */
GPtrArray *cli_load_certificate_file (const char *path, CliPassphrase *pp, GError **error);
gboolean cli_check_sbr (const char *command, InkanIdentity *identity, gboolean require, GError **error);
void cli_print_lint_summary (X509 *cert, GPtrArray *certs);

/* common.c */
int cli_fail (const char *command, GError *error);
int cli_usage (const char *command, const char *message);
GOptionEntry *cli_passphrase_entries (CliPassphrase *pp);
InkanIdentity *cli_load_identity (const char *path, CliPassphrase *pp, GError **error);
GPtrArray *cli_load_certificates (const char *path, GError **error);
char *cli_ask_passphrase (const char *what, gpointer user_data, GError **error);
char *cli_ask_new_passphrase (const char *what, gpointer user_data, GError **error);
GOptionEntry *cli_new_passphrase_entries (CliPassphrase *pp);
GMimeMessage *cli_read_message (const char *path, GError **error);
gboolean cli_write_message (const char *path, GMimeMessage *message, int mode, GError **error);
gboolean cli_write_output (const char *path, GBytes *bytes, int mode, GError **error);
gboolean cli_parse_time (const char *text, gint64 *out, GError **error);
void cli_hint_missing_anchors (const InkanVerdict *verdict, gboolean no_system);
InkanTrust *cli_build_trust (char **trust_files, gboolean no_system, GError **error);
gboolean cli_parse_digest (const char *text, InkanDigest *digest);
void cli_passphrase_clear (CliPassphrase *pp);
/* The --passphrase-file name is freed on every return, early or not. */
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliPassphrase, cli_passphrase_clear)
gboolean cli_parse_options (GOptionContext *context, int *argc, char ***argv, const char *command);

/* report.c */
void cli_print_verdict (FILE *out, const InkanVerdict *verdict, gboolean json);
int cli_verdict_exit_code (const InkanVerdict *verdict);

#endif
