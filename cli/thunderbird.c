/* inkan thunderbird install|uninstall|status: the native-messaging host
 * manifest and the MailExtension (docs/thunderbird.md). */
#include "inkan-cli.h"
#include "config.h"
#include <errno.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#define HOST_NAME "inkan.native_host"
#define EXTENSION_ID "thunderbird-helper@inkan"
#define TEST_EXTENSION_ID "thunderbird-helper-test@inkan"
#define SYSTEM_MANIFEST_DIR "/usr/lib/mozilla/native-messaging-hosts"
/* Where Debian's Thunderbird looks for extensions of every user
 * ({3550f703-…} is Thunderbird's application id). */
#define SYSTEM_EXTENSION_DIR "/usr/share/mozilla/extensions/{3550f703-e582-4d05-9a08-453d09bdfdc6}"

static char *
exe_dir (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);

  return exe ? g_path_get_dirname (exe) : NULL;
}

/* The first of @candidates (NULL-terminated; NULL entries skipped) that exists. */
static char *
first_existing (char **candidates, guint n, GFileTest test)
{
  for (guint i = 0; i < n; i++)
    if (candidates[i] && g_file_test (candidates[i], test))
      {
        char *real = realpath (candidates[i], NULL);
        char *out = g_strdup (real ? real : candidates[i]);
        free (real);
        return out;
      }
  return NULL;
}

/* The host: $INKAN_NATIVE_HOST, next to a build tree's cli/inkan, or the
 * installed libexec program beside bin/inkan. */
static char *
find_host (void)
{
  g_autofree char *dir = exe_dir ();
  g_autofree char *a = dir ? g_build_filename (dir, "..", "plugins", "thunderbird-native", "inkan-native-host", NULL) : NULL;
  g_autofree char *b = dir ? g_build_filename (dir, "..", "libexec", "inkan-native-host", NULL) : NULL;
  g_autofree char *c = dir ? g_build_filename (dir, "..", "libexec", "inkan", "inkan-native-host", NULL) : NULL;
  char *cands[] = { (char *) g_getenv ("INKAN_NATIVE_HOST"), a, b, c };

  return first_existing (cands, G_N_ELEMENTS (cands), G_FILE_TEST_IS_EXECUTABLE);
}

static char *
find_xpi (const char *id)
{
  g_autofree char *dir = exe_dir ();
  g_autofree char *name = g_strconcat (id, ".xpi", NULL);
  g_autofree char *datadir = g_path_get_dirname (INKAN_EMAIL_ANCHORS);   /* datadir/inkan */
  g_autofree char *a = dir ? g_build_filename (dir, "..", "plugins", "thunderbird-native", name, NULL) : NULL;
  g_autofree char *b = g_build_filename (datadir, "thunderbird", name, NULL);
  g_autofree char *c = dir ? g_build_filename (dir, "..", "share", "inkan", "thunderbird", name, NULL) : NULL;
  char *cands[] = { a, b, c };

  return first_existing (cands, G_N_ELEMENTS (cands), G_FILE_TEST_IS_REGULAR);
}

static char *
manifest_path (gboolean system)
{
  if (system)
    return g_build_filename (SYSTEM_MANIFEST_DIR, HOST_NAME ".json", NULL);
  return g_build_filename (g_get_home_dir (), ".mozilla", "native-messaging-hosts", HOST_NAME ".json", NULL);
}

/* The allowed_extensions of an existing manifest for our host name. */
static GPtrArray *
manifest_allowed (const char *path)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *o;
  JsonArray *a;

  if (!json_parser_load_from_file (parser, path, NULL) || (root = json_parser_get_root (parser)) == NULL
      || !JSON_NODE_HOLDS_OBJECT (root))
    return ids;
  o = json_node_get_object (root);
  a = json_object_has_member (o, "allowed_extensions") ? json_object_get_array_member (o, "allowed_extensions") : NULL;
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      const char *id = json_array_get_string_element (a, i);
      if (id)
        g_ptr_array_add (ids, g_strdup (id));
    }
  return ids;
}

static gboolean
write_manifest (const char *path, const char *host, GPtrArray *ids, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, HOST_NAME);
  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b, "inkan S/MIME helper for Thunderbird");
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, host);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "stdio");
  json_builder_set_member_name (b, "allowed_extensions");
  json_builder_begin_array (b);
  for (guint i = 0; i < ids->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (ids, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_IO, _("Cannot create “%s”: %s."), dir, g_strerror (errno));
      return FALSE;
    }
  return inkan_file_write_atomic (path, text, strlen (text), 0644, TRUE, error);
}

static gboolean
copy_file (const char *src, const char *dst, GError **error)
{
  g_autofree char *data = NULL;
  g_autofree char *dir = g_path_get_dirname (dst);
  gsize len;

  if (!g_file_get_contents (src, &data, &len, error))
    return FALSE;
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_IO, _("Cannot create “%s”: %s."), dir, g_strerror (errno));
      return FALSE;
    }
  return inkan_file_write_atomic (dst, data, len, 0644, TRUE, error);
}

static gboolean
add_unique (GPtrArray *ids, const char *id)
{
  if (g_ptr_array_find_with_equal_func (ids, id, g_str_equal, NULL))
    return FALSE;
  g_ptr_array_add (ids, g_strdup (id));
  return TRUE;
}

static int
install (const char *profile_opt, gboolean system, const char *host_opt, const char *xpi_opt,
         gboolean test_build, gboolean no_extension)
{
  const char *id = test_build ? TEST_EXTENSION_ID : EXTENSION_ID;
  g_autofree char *host = host_opt ? realpath (host_opt, NULL) : find_host ();
  g_autofree char *xpi = xpi_opt ? g_strdup (xpi_opt) : find_xpi (id);
  g_autofree char *mpath = manifest_path (system);
  g_autofree char *name = g_strconcat (id, ".xpi", NULL);
  g_autofree char *profile = NULL;
  g_autoptr (GPtrArray) ids = NULL;
  GError *error = NULL;

  if (host == NULL || !g_file_test (host, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr (_("inkan thunderbird: the native host (inkan-native-host) was not found; give it with --host.\n"));
      return EXIT_NOT_FOUND;
    }
  if (!no_extension && (xpi == NULL || !g_file_test (xpi, G_FILE_TEST_IS_REGULAR)))
    {
      g_printerr (_("inkan thunderbird: the extension (%s.xpi) was not found; give it with --xpi.\n"), id);
      return EXIT_NOT_FOUND;
    }

  /* Everything is found before anything is written. */
  if (!no_extension && (!system || profile_opt))
    {
      profile = profile_opt ? g_strdup (profile_opt) : inkan_thunderbird_default_profile (NULL, &error);
      if (profile == NULL)
        return cli_fail ("thunderbird", error);
      if (!g_file_test (profile, G_FILE_TEST_IS_DIR))
        {
          g_printerr (_("inkan thunderbird: the Thunderbird profile “%s” does not exist.\n"), profile);
          return EXIT_NOT_FOUND;
        }
    }

  ids = manifest_allowed (mpath);
  add_unique (ids, id);
  if (!write_manifest (mpath, host, ids, &error))
    return cli_fail ("thunderbird", error);
  printf (_("Native host: %s\n  manifest %s\n"), host, mpath);

  if (no_extension)
    return EXIT_OK;
  if (system)
    {
      g_autofree char *dst = g_build_filename (SYSTEM_EXTENSION_DIR, name, NULL);
      if (!copy_file (xpi, dst, &error))
        return cli_fail ("thunderbird", error);
      printf (_("Extension: %s (for every user; Thunderbird asks each user to enable it)\n"), dst);
    }
  if (profile)
    {
      g_autofree char *dst = g_build_filename (profile, "extensions", name, NULL);

      if (!copy_file (xpi, dst, &error))
        return cli_fail ("thunderbird", error);
      printf (_("Extension: %s\n"), dst);
      printf (_("Restart Thunderbird; it asks once whether to enable “inkan S/MIME helper”.\n"));
    }
  return EXIT_OK;
}

static int
uninstall (const char *profile_opt, gboolean system)
{
  g_autofree char *mpath = manifest_path (system);
  const char *ids[] = { EXTENSION_ID, TEST_EXTENSION_ID };
  GError *error = NULL;

  if (g_unlink (mpath) == 0)
    printf (_("Removed %s\n"), mpath);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *name = g_strconcat (ids[i], ".xpi", NULL);
      g_autofree char *dst = NULL;

      if (system)
        {
          g_autofree char *sys = g_build_filename (SYSTEM_EXTENSION_DIR, name, NULL);
          if (g_unlink (sys) == 0)
            printf (_("Removed %s\n"), sys);
        }
      if (!system || profile_opt)
        {
          g_autofree char *profile = profile_opt ? g_strdup (profile_opt)
                                                 : inkan_thunderbird_default_profile (NULL, &error);
          if (profile == NULL)
            return cli_fail ("thunderbird", error);
          dst = g_build_filename (profile, "extensions", name, NULL);
          if (g_unlink (dst) == 0)
            printf (_("Removed %s\n"), dst);
        }
    }
  return EXIT_OK;
}

static int
status (const char *profile_opt)
{
  g_autofree char *user = manifest_path (FALSE);
  g_autofree char *sys = manifest_path (TRUE);
  g_autofree char *profile = profile_opt ? g_strdup (profile_opt) : inkan_thunderbird_default_profile (NULL, NULL);
  const char *paths[] = { user, sys };
  int rc = EXIT_NOT_FOUND;

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    if (g_file_test (paths[i], G_FILE_TEST_EXISTS))
      {
        g_autoptr (GPtrArray) ids = manifest_allowed (paths[i]);
        printf (_("Host manifest: %s (%u extension(s) allowed)\n"), paths[i], ids->len);
        rc = EXIT_OK;
      }
  if (rc != EXIT_OK)
    printf (_("Host manifest: not installed\n"));
  if (profile)
    {
      g_autofree char *xpi = g_build_filename (profile, "extensions", EXTENSION_ID ".xpi", NULL);
      printf (_("Extension in %s: %s\n"), profile,
              g_file_test (xpi, G_FILE_TEST_EXISTS) ? _("installed") : _("not installed"));
    }
  return rc;
}

int
cli_thunderbird (int argc, char **argv)
{
  g_autofree char *profile = NULL, *host = NULL, *xpi = NULL;
  gboolean system = FALSE, test_build = FALSE, no_extension = FALSE;
  GOptionEntry entries[] = {
    { "profile", 0, 0, G_OPTION_ARG_FILENAME, &profile, N_("The Thunderbird profile folder (default: the default profile)"), "DIR" },
    { "system", 0, 0, G_OPTION_ARG_NONE, &system, N_("For every user: the host manifest in " SYSTEM_MANIFEST_DIR " and the extension in Thunderbird's system extension folder"), NULL },
    { "host", 0, 0, G_OPTION_ARG_FILENAME, &host, N_("The inkan-native-host program (default: the installed one)"), "PATH" },
    { "xpi", 0, 0, G_OPTION_ARG_FILENAME, &xpi, N_("The extension package (default: the installed one)"), "PATH" },
    { "test-build", 0, 0, G_OPTION_ARG_NONE, &test_build, N_("Install the test build of the extension (tests/thunderbird)"), NULL },
    { "host-only", 0, 0, G_OPTION_ARG_NONE, &no_extension, N_("Install only the host manifest"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("install|uninstall|status — the Thunderbird extension and its native host"));

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!cli_parse_options (ctx, &argc, &argv, "thunderbird"))
    return EXIT_USAGE;
  if (argc != 2)
    return cli_usage ("thunderbird", _("say install, uninstall or status"));
  if (!strcmp (argv[1], "install"))
    return install (profile, system, host, xpi, test_build, no_extension);
  if (!strcmp (argv[1], "uninstall"))
    return uninstall (profile, system);
  if (!strcmp (argv[1], "status"))
    return status (profile);
  return cli_usage ("thunderbird", _("say install, uninstall or status"));
}
