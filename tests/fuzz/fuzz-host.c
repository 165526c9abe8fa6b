/* libFuzzer harness: the Thunderbird native-messaging host's JSON-RPC
 * dispatch (plugins/thunderbird-native/host/rpc.c, rpc_handle_frame()):
 * one request frame in, one reply out.  HOME, TMPDIR and INKAN_SMIME_DIR
 * point into a scratch directory, so that no method can touch a real
 * profile or store.  Every reply must be one JSON-RPC 2.0 object, in
 * UTF-8, no larger than Thunderbird accepts. */
#define _GNU_SOURCE
#include "fuzz-common.h"
#include "host.h"
#include <ftw.h>
#include <stdio.h>

static char *scratch;

static int
remove_entry (const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  (void) st;
  (void) type;
  (void) ftw;
  return remove (path);
}

static void
remove_scratch (void)
{
  if (scratch)
    nftw (scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* main.c's logger, without main.c */
void
host_log (const char *level, const char *format, ...)
{
  (void) level;
  (void) format;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static gboolean ready = FALSE;
  g_autoptr (GBytes) reply = NULL;

  if (!ready)
    {
      g_autofree char *store = NULL;
      scratch = g_dir_make_tmp ("inkan-fuzz-host.XXXXXX", NULL);
      fuzz_assert (scratch != NULL);
      atexit (remove_scratch);
      store = g_build_filename (scratch, "store", NULL);
      g_setenv ("HOME", scratch, TRUE);
      g_setenv ("TMPDIR", scratch, TRUE);
      g_setenv ("INKAN_SMIME_DIR", store, TRUE);
      g_setenv ("INKAN_EMAIL_ANCHORS", FUZZ_DIR "/identity.pem", TRUE);
      g_unsetenv ("INKAN_TB_TEST_DIR");
      fuzz_fixture ();
      ready = TRUE;
    }
  reply = rpc_handle_frame (data, size);
  if (reply)
    {
      gsize len;
      const char *text = g_bytes_get_data (reply, &len);
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *obj;

      fuzz_assert (len <= HOST_MAX_REPLY);
      fuzz_assert (g_utf8_validate (text, (gssize) len, NULL));
      fuzz_assert (json_parser_load_from_data (parser, text, (gssize) len, NULL));
      fuzz_assert (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
      obj = json_node_get_object (json_parser_get_root (parser));
      fuzz_assert (g_strcmp0 (json_object_get_string_member_with_default (obj, "jsonrpc", ""), "2.0") == 0);
      fuzz_assert (json_object_has_member (obj, "result") != json_object_has_member (obj, "error"));
    }
  return 0;
}
