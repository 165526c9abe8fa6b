/* Runs a libFuzzer harness over files without libFuzzer, as a TAP test:
 * every argument is a file or a directory of files (missing directories
 * are skipped).  This is how the crashes the fuzzers found stay fixed
 * (tests/fuzz/regressions/HARNESS/) in every build, sanitizers or not. */
#include "fuzz-common.h"

static int n_run = 0;

static void
run_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;

  if (!g_file_get_contents (path, &data, &len, &error))
    {
      printf ("not ok %d - %s: %s\n", ++n_run, path, error->message);
      exit (1);
    }
  LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
  printf ("ok %d - %s\n", ++n_run, path);
  fflush (stdout);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
main (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          g_autoptr (GDir) dir = g_dir_open (argv[i], 0, NULL);
          g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
          const char *name;

          while (dir && (name = g_dir_read_name (dir)) != NULL)
            if (name[0] != '.' && strcmp (name, "README") != 0)
              g_ptr_array_add (names, g_build_filename (argv[i], name, NULL));
          g_ptr_array_sort (names, compare_names);
          for (guint j = 0; j < names->len; j++)
            run_file (g_ptr_array_index (names, j));
        }
      else if (g_file_test (argv[i], G_FILE_TEST_IS_REGULAR))
        run_file (argv[i]);
    }
  if (n_run == 0)
    printf ("1..0 # SKIP no inputs\n");
  else
    printf ("1..%d\n", n_run);
  return 0;
}
