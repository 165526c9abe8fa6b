/* Shared by cli/mutt.c (the hooks mutt runs) and cli/mutt-setup.c. */
#ifndef INKAN_CLI_MUTT_H
#define INKAN_CLI_MUTT_H

#include "inkan-cli.h"
#include <openssl/bio.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free_all)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InternetAddressList, g_object_unref)

int cli_mutt_setup (int argc, char **argv);

#endif
