/* inkan scan: verify every message under files, directories, mbox files
 * and Maildirs with worker threads; a summary per verdict, signer and
 * issuing CA, the failures, From mismatches and certificates that expire
 * soon; --jsonl for other tools, --report for a self-contained HTML or
 * Markdown report. */
#include "inkan-cli.h"
#include <json-glib/json-glib.h>
#include <unistd.h>

#define EXPIRY_WINDOW_DAYS 90
#define TEXT_LIST_MAX 20

enum { ST_VALID, ST_NOT_VALID, ST_INVALID, ST_NOT_SIGNED, ST_ENCRYPTED, ST_ERROR, ST_COUNT };
static const char *const status_names[ST_COUNT] = { "valid", "valid-signature", "invalid", "not-signed", "encrypted", "error" };

typedef struct {
  char *source;
  char *status;
  char *reason;
} Failure;

typedef struct {
  char *source;
  char *from;
  char *signer;
} Mismatch;

typedef struct {
  char *who;
  char *subject;
  char *issuer;
  char *serial;
  gint64 not_after;
} Expiring;

typedef struct {
  gboolean json, jsonl, progress;
  gint64 now;
  guint total;
  guint by_status[ST_COUNT];
  guint by_flag[16];
  GHashTable *signers;     /* char* -> count */
  GHashTable *cas;         /* char* -> count */
  GPtrArray *failures;     /* Failure* */
  GPtrArray *mismatches;   /* Mismatch* */
  GHashTable *expiring;    /* "issuer/serial" -> Expiring* */
  gint64 started, last_progress;
  JsonGenerator *gen;
} Stats;

static void
failure_free (Failure *f)
{
  g_free (f->source);
  g_free (f->status);
  g_free (f->reason);
  g_free (f);
}

static void
mismatch_free (Mismatch *m)
{
  g_free (m->source);
  g_free (m->from);
  g_free (m->signer);
  g_free (m);
}

static void
expiring_free (Expiring *e)
{
  g_free (e->who);
  g_free (e->subject);
  g_free (e->issuer);
  g_free (e->serial);
  g_free (e);
}

static char *
source_of (const InkanScanItem *item)
{
  return item->index ? g_strdup_printf ("%s:%u", item->file, item->index) : g_strdup (item->file);
}

static int
status_of (const InkanScanItem *item)
{
  const InkanVerdict *v = item->verdict;

  if (v == NULL)
    return ST_ERROR;
  switch (v->kind)
    {
    case INKAN_VERDICT_VALID: return ST_VALID;
    case INKAN_VERDICT_VALID_SIGNATURE: return ST_NOT_VALID;
    case INKAN_VERDICT_INVALID: return ST_INVALID;
    case INKAN_VERDICT_NOT_SIGNED:
    default: return (v->flags & INKAN_FLAG_ENCRYPTED) && !item->decrypted ? ST_ENCRYPTED : ST_NOT_SIGNED;
    }
}

static char *
signer_name (const InkanSigner *s)
{
  if (s->emails && s->emails->len)
    return g_strdup (g_ptr_array_index (s->emails, 0));
  return g_strdup (s->subject ? s->subject : _("(unknown signer)"));
}

static char *
flags_text (guint flags)
{
  GString *s = g_string_new (NULL);

  for (guint bit = 1; bit <= INKAN_FLAG_ENCRYPTED; bit <<= 1)
    if ((flags & bit) && bit != INKAN_FLAG_ENCRYPTED)
      g_string_append_printf (s, "%s%s", s->len ? ", " : "", inkan_verdict_flag_to_string (bit));
  return g_string_free (s, FALSE);
}

static void
count (GHashTable *table, char *key)
{
  gpointer old = g_hash_table_lookup (table, key);

  g_hash_table_replace (table, key, GUINT_TO_POINTER (GPOINTER_TO_UINT (old) + 1));
}

static void
print_jsonl (Stats *st, const InkanScanItem *item, int status)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  const InkanVerdict *v = item->verdict;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, item->file);
  json_builder_set_member_name (b, "index");
  json_builder_add_int_value (b, item->index);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, status_names[status]);
  json_builder_set_member_name (b, "decrypted");
  json_builder_add_boolean_value (b, item->decrypted);
  json_builder_set_member_name (b, "flags");
  json_builder_begin_array (b);
  for (guint bit = 1; v && bit <= INKAN_FLAG_ENCRYPTED; bit <<= 1)
    if (v->flags & bit)
      json_builder_add_string_value (b, inkan_verdict_flag_to_string (bit));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "from");
  if (v && v->from)
    json_builder_add_string_value (b, v->from);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "signers");
  json_builder_begin_array (b);
  for (guint i = 0; v && i < v->signers->len; i++)
    {
      InkanSigner *s = g_ptr_array_index (v->signers, i);
      g_autoptr (GDateTime) na = g_date_time_new_from_unix_utc (s->not_after);
      g_autofree char *na_text = na && s->subject ? g_date_time_format_iso8601 (na) : NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "emails");
      json_builder_begin_array (b);
      for (guint j = 0; s->emails && j < s->emails->len; j++)
        json_builder_add_string_value (b, g_ptr_array_index (s->emails, j));
      json_builder_end_array (b);
      json_builder_set_member_name (b, "subject");
      json_builder_add_string_value (b, s->subject ? s->subject : "");
      json_builder_set_member_name (b, "issuer");
      json_builder_add_string_value (b, s->issuer ? s->issuer : "");
      json_builder_set_member_name (b, "serial");
      json_builder_add_string_value (b, s->serial ? s->serial : "");
      json_builder_set_member_name (b, "not_after");
      if (na_text)
        json_builder_add_string_value (b, na_text);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "signature_valid");
      json_builder_add_boolean_value (b, s->signature_valid);
      json_builder_set_member_name (b, "chain_error");
      if (s->chain_error)
        json_builder_add_string_value (b, s->chain_error);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "error");
  if (item->error)
    json_builder_add_string_value (b, item->error);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (st->gen, root);
  text = json_generator_to_data (st->gen, NULL);
  printf ("%s\n", text);
}

static void
on_item (const InkanScanItem *item, gpointer user_data)
{
  Stats *st = user_data;
  const InkanVerdict *v = item->verdict;
  int status = status_of (item);
  g_autofree char *source = source_of (item);

  st->total++;
  st->by_status[status]++;
  for (guint bit = 0; v && bit < 16; bit++)
    if (v->flags & (1u << bit))
      st->by_flag[bit]++;
  for (guint i = 0; v && i < v->signers->len; i++)
    {
      InkanSigner *s = g_ptr_array_index (v->signers, i);
      count (st->signers, signer_name (s));
      if (s->issuer)
        count (st->cas, g_strdup (s->issuer));
      if (s->subject && s->not_after - st->now <= (gint64) EXPIRY_WINDOW_DAYS * 86400)
        {
          char *key = g_strdup_printf ("%s/%s", s->issuer ? s->issuer : "", s->serial ? s->serial : "");
          if (!g_hash_table_contains (st->expiring, key))
            {
              Expiring *e = g_new0 (Expiring, 1);
              e->who = signer_name (s);
              e->subject = g_strdup (s->subject);
              e->issuer = g_strdup (s->issuer);
              e->serial = g_strdup (s->serial);
              e->not_after = s->not_after;
              g_hash_table_insert (st->expiring, key, e);
            }
          else
            g_free (key);
        }
    }
  if (status == ST_INVALID || status == ST_NOT_VALID || status == ST_ERROR || (item->error && status == ST_ENCRYPTED))
    {
      Failure *f = g_new0 (Failure, 1);
      f->source = g_strdup (source);
      f->status = g_strdup (status_names[status]);
      if (item->error)
        f->reason = g_strdup (item->error);
      else
        {
          g_autofree char *flags = flags_text (v->flags);
          const char *chain_error = NULL;
          for (guint i = 0; i < v->signers->len && !chain_error; i++)
            chain_error = ((InkanSigner *) g_ptr_array_index (v->signers, i))->chain_error;
          f->reason = status == ST_INVALID
                          ? g_strdup_printf (_("the signature does not match the message%s%s"), *flags ? "; " : "", flags)
                          : g_strdup_printf ("%s%s%s", flags, chain_error ? "; " : "", chain_error ? chain_error : "");
        }
      g_ptr_array_add (st->failures, f);
    }
  if (v && (v->flags & INKAN_FLAG_FROM_MISMATCH) && v->signers->len)
    {
      Mismatch *m = g_new0 (Mismatch, 1);
      m->source = g_strdup (source);
      m->from = g_strdup (v->from ? v->from : _("(no From)"));
      m->signer = signer_name (g_ptr_array_index (v->signers, 0));
      g_ptr_array_add (st->mismatches, m);
    }
  if (st->jsonl)
    print_jsonl (st, item, status);
  if (st->progress)
    {
      gint64 t = g_get_monotonic_time ();
      if (t - st->last_progress > 100000)
        {
          double secs = (double) (t - st->started) / G_USEC_PER_SEC;
          st->last_progress = t;
          fprintf (stderr, _("\rscanned %u messages (%.0f/s) "), st->total, secs > 0 ? st->total / secs : 0.0);
        }
    }
}

/* ---------------------------------------------------------------- summaries */

typedef struct {
  const char *key;
  guint n;
} Count;

static int
compare_counts (gconstpointer a, gconstpointer b)
{
  const Count *x = a, *y = b;
  return x->n != y->n ? (x->n < y->n ? 1 : -1) : strcmp (x->key, y->key);
}

static GArray *
sorted_counts (GHashTable *table)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Count));
  GHashTableIter it;
  gpointer k, v;

  g_hash_table_iter_init (&it, table);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      Count c = { k, GPOINTER_TO_UINT (v) };
      g_array_append_val (out, c);
    }
  g_array_sort (out, compare_counts);
  return out;
}

static int
compare_expiring (gconstpointer a, gconstpointer b)
{
  const Expiring *x = *(Expiring *const *) a, *y = *(Expiring *const *) b;
  return x->not_after < y->not_after ? -1 : x->not_after > y->not_after ? 1 : strcmp (x->who, y->who);
}

static GPtrArray *
sorted_expiring (Stats *st)
{
  GPtrArray *out = g_ptr_array_new ();
  GHashTableIter it;
  gpointer value;

  g_hash_table_iter_init (&it, st->expiring);
  while (g_hash_table_iter_next (&it, NULL, &value))
    g_ptr_array_add (out, value);
  g_ptr_array_sort (out, compare_expiring);
  return out;
}

static char *
expiry_text (const Expiring *e, gint64 now)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (e->not_after);
  g_autofree char *date = dt ? g_date_time_format (dt, "%Y-%m-%d") : g_strdup ("?");
  gint64 left = inkan_days_left (e->not_after, now);

  return left >= 0 ? g_strdup_printf (_("%" G_GINT64_FORMAT " days left (%s)"), left, date)
                   : g_strdup_printf (_("expired %" G_GINT64_FORMAT " days ago (%s)"), -left, date);
}

static const char *
status_label (int s)
{
  switch (s)
    {
    case ST_VALID: return _("valid");
    case ST_NOT_VALID: return _("NOT VALID (signature intact, but see flags)");
    case ST_INVALID: return _("INVALID (altered or forged)");
    case ST_NOT_SIGNED: return _("not signed");
    case ST_ENCRYPTED: return _("encrypted (not decrypted)");
    default: return _("errors (not readable as mail or S/MIME)");
    }
}

static void
print_text (Stats *st, double secs, guint jobs)
{
  g_autoptr (GArray) signers = sorted_counts (st->signers);
  g_autoptr (GArray) cas = sorted_counts (st->cas);
  g_autoptr (GPtrArray) expiring = sorted_expiring (st);

  printf (_("Scanned %u messages in %.1f s (%.0f messages/s, %u jobs)\n"), st->total, secs,
          secs > 0 ? st->total / secs : 0.0, jobs);
  for (int s = 0; s < ST_COUNT; s++)
    printf ("  %-44s %7u\n", status_label (s), st->by_status[s]);
  printf (_("Flags:\n"));
  for (guint bit = 0; bit < 16; bit++)
    if (st->by_flag[bit])
      printf ("  %-44s %7u\n", inkan_verdict_flag_to_string (1u << bit), st->by_flag[bit]);
  printf (_("Signers:\n"));
  for (guint i = 0; i < signers->len; i++)
    if (i < TEXT_LIST_MAX)
      printf ("  %-44s %7u\n", g_array_index (signers, Count, i).key, g_array_index (signers, Count, i).n);
  if (signers->len > TEXT_LIST_MAX)
    printf (_("  … and %u more\n"), signers->len - TEXT_LIST_MAX);
  printf (_("Issuing CAs:\n"));
  for (guint i = 0; i < cas->len && i < TEXT_LIST_MAX; i++)
    printf ("  %7u  %s\n", g_array_index (cas, Count, i).n, g_array_index (cas, Count, i).key);
  printf (_("From mismatches (%u):\n"), st->mismatches->len);
  for (guint i = 0; i < st->mismatches->len && i < TEXT_LIST_MAX; i++)
    {
      Mismatch *m = g_ptr_array_index (st->mismatches, i);
      printf (_("  %s: From %s, signed by %s\n"), m->source, m->from, m->signer);
    }
  if (st->mismatches->len > TEXT_LIST_MAX)
    printf (_("  … and %u more (see --report or --jsonl)\n"), st->mismatches->len - TEXT_LIST_MAX);
  printf (_("Failures (%u):\n"), st->failures->len);
  for (guint i = 0; i < st->failures->len && i < TEXT_LIST_MAX; i++)
    {
      Failure *f = g_ptr_array_index (st->failures, i);
      printf ("  %s: %s: %s\n", f->source, f->status, f->reason);
    }
  if (st->failures->len > TEXT_LIST_MAX)
    printf (_("  … and %u more (see --report or --jsonl)\n"), st->failures->len - TEXT_LIST_MAX);
  printf (_("Signer certificates expiring within %d days (%u):\n"), EXPIRY_WINDOW_DAYS, expiring->len);
  for (guint i = 0; i < expiring->len; i++)
    {
      Expiring *e = g_ptr_array_index (expiring, i);
      g_autofree char *when = expiry_text (e, st->now);
      printf ("  %s: %s\n", e->who, when);
    }
}

static void
print_json (Stats *st, double secs, guint jobs)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GArray) signers = sorted_counts (st->signers);
  g_autoptr (GArray) cas = sorted_counts (st->cas);
  g_autoptr (GPtrArray) expiring = sorted_expiring (st);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "total");
  json_builder_add_int_value (b, st->total);
  json_builder_set_member_name (b, "seconds");
  json_builder_add_double_value (b, secs);
  json_builder_set_member_name (b, "jobs");
  json_builder_add_int_value (b, jobs);
  json_builder_set_member_name (b, "verdicts");
  json_builder_begin_object (b);
  for (int s = 0; s < ST_COUNT; s++)
    {
      json_builder_set_member_name (b, status_names[s]);
      json_builder_add_int_value (b, st->by_status[s]);
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "flags");
  json_builder_begin_object (b);
  for (guint bit = 0; bit < 16; bit++)
    if (inkan_verdict_flag_to_string (1u << bit))
      {
        json_builder_set_member_name (b, inkan_verdict_flag_to_string (1u << bit));
        json_builder_add_int_value (b, st->by_flag[bit]);
      }
  json_builder_end_object (b);
  for (int t = 0; t < 2; t++)
    {
      GArray *list = t == 0 ? signers : cas;
      json_builder_set_member_name (b, t == 0 ? "signers" : "issuing_cas");
      json_builder_begin_object (b);
      for (guint i = 0; i < list->len; i++)
        {
          json_builder_set_member_name (b, g_array_index (list, Count, i).key);
          json_builder_add_int_value (b, g_array_index (list, Count, i).n);
        }
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, "from_mismatches");
  json_builder_begin_array (b);
  for (guint i = 0; i < st->mismatches->len; i++)
    {
      Mismatch *m = g_ptr_array_index (st->mismatches, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "source");
      json_builder_add_string_value (b, m->source);
      json_builder_set_member_name (b, "from");
      json_builder_add_string_value (b, m->from);
      json_builder_set_member_name (b, "signer");
      json_builder_add_string_value (b, m->signer);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "failures");
  json_builder_begin_array (b);
  for (guint i = 0; i < st->failures->len; i++)
    {
      Failure *f = g_ptr_array_index (st->failures, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "source");
      json_builder_add_string_value (b, f->source);
      json_builder_set_member_name (b, "status");
      json_builder_add_string_value (b, f->status);
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, f->reason);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "expiring");
  json_builder_begin_array (b);
  for (guint i = 0; i < expiring->len; i++)
    {
      Expiring *e = g_ptr_array_index (expiring, i);
      g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (e->not_after);
      g_autofree char *iso = dt ? g_date_time_format_iso8601 (dt) : NULL;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "signer");
      json_builder_add_string_value (b, e->who);
      json_builder_set_member_name (b, "subject");
      json_builder_add_string_value (b, e->subject);
      json_builder_set_member_name (b, "issuer");
      json_builder_add_string_value (b, e->issuer ? e->issuer : "");
      json_builder_set_member_name (b, "serial");
      json_builder_add_string_value (b, e->serial ? e->serial : "");
      json_builder_set_member_name (b, "not_after");
      json_builder_add_string_value (b, iso ? iso : "");
      json_builder_set_member_name (b, "days_left");
      json_builder_add_int_value (b, inkan_days_left (e->not_after, st->now));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (st->gen, root);
  json_generator_set_pretty (st->gen, TRUE);
  text = json_generator_to_data (st->gen, NULL);
  printf ("%s\n", text);
}

/* ---------------------------------------------------------------- reports */

static void
html_escape (GString *out, const char *text)
{
  g_autofree char *e = g_markup_escape_text (text, -1);
  g_string_append (out, e);
}

static void
md_escape (GString *out, const char *text)
{
  for (const char *p = text; *p; p++)
    {
      if (strchr ("|\\`*_[]<>", *p))
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p == '\n' ? ' ' : *p);
    }
}

typedef void (*Escape) (GString *out, const char *text);

static void
table_row (GString *out, gboolean html, int n, const char *const *cells)
{
  Escape esc = html ? html_escape : md_escape;

  g_string_append (out, html ? "<tr>" : "|");
  for (int i = 0; i < n; i++)
    {
      g_string_append (out, html ? "<td>" : " ");
      esc (out, cells[i]);
      g_string_append (out, html ? "</td>" : " |");
    }
  g_string_append (out, html ? "</tr>\n" : "\n");
}

static void
table_head (GString *out, gboolean html, const char *title, int n, const char *const *heads)
{
  if (html)
    {
      g_string_append_printf (out, "<h2>%s</h2>\n<table>\n<tr>", title);
      for (int i = 0; i < n; i++)
        {
          g_autofree char *e = g_markup_escape_text (heads[i], -1);
          g_string_append_printf (out, "<th>%s</th>", e);
        }
      g_string_append (out, "</tr>\n");
    }
  else
    {
      g_string_append_printf (out, "\n## %s\n\n|", title);
      for (int i = 0; i < n; i++)
        g_string_append_printf (out, " %s |", heads[i]);
      g_string_append (out, "\n|");
      for (int i = 0; i < n; i++)
        g_string_append (out, "---|");
      g_string_append_c (out, '\n');
    }
}

static void
table_end (GString *out, gboolean html)
{
  if (html)
    g_string_append (out, "</table>\n");
}

static GBytes *
build_report (Stats *st, gboolean html, double secs, char **paths)
{
  GString *out = g_string_new (NULL);
  g_autoptr (GArray) signers = sorted_counts (st->signers);
  g_autoptr (GArray) cas = sorted_counts (st->cas);
  g_autoptr (GPtrArray) expiring = sorted_expiring (st);
  g_autoptr (GDateTime) now = g_date_time_new_from_unix_utc (st->now);
  g_autofree char *when = g_date_time_format (now, "%Y-%m-%d %H:%M UTC");
  g_autofree char *where = g_strjoinv (", ", paths);
  g_autofree char *title = g_strdup_printf (_("S/MIME scan report, %s"), when);
  char num[48];

  if (html)
    {
      g_autofree char *t = g_markup_escape_text (title, -1);
      g_autofree char *w = g_markup_escape_text (where, -1);
      g_string_append_printf (out,
                              "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title>\n"
                              "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}"
                              "td,th{border:1px solid #999;padding:.2em .6em;text-align:left}th{background:#eee}"
                              ".bad{color:#a00}</style></head><body>\n<h1>%s</h1>\n<p>%s</p>\n",
                              t, t, w);
    }
  else
    {
      g_string_append_printf (out, "# %s\n\n", title);
      md_escape (out, where);
      g_string_append (out, "\n");
    }
  {
    const char *heads[] = { _("Verdict"), _("Messages") };
    table_head (out, html, _("Summary"), 2, heads);
    for (int s = 0; s < ST_COUNT; s++)
      {
        const char *cells[2] = { status_label (s), num };
        g_snprintf (num, sizeof num, "%u", st->by_status[s]);
        table_row (out, html, 2, cells);
      }
    {
      const char *cells[2] = { _("total"), num };
      g_snprintf (num, sizeof num, "%u (%.1f s)", st->total, secs);
      table_row (out, html, 2, cells);
    }
    table_end (out, html);
  }
  {
    const char *heads[] = { _("Flag"), _("Messages") };
    table_head (out, html, _("Flags"), 2, heads);
    for (guint bit = 0; bit < 16; bit++)
      if (st->by_flag[bit])
        {
          const char *cells[2] = { inkan_verdict_flag_to_string (1u << bit), num };
          g_snprintf (num, sizeof num, "%u", st->by_flag[bit]);
          table_row (out, html, 2, cells);
        }
    table_end (out, html);
  }
  for (int t = 0; t < 2; t++)
    {
      GArray *list = t == 0 ? signers : cas;
      const char *heads[] = { t == 0 ? _("Signer") : _("Issuing CA"), _("Messages") };
      table_head (out, html, t == 0 ? _("Signers") : _("Issuing CAs"), 2, heads);
      for (guint i = 0; i < list->len; i++)
        {
          const char *cells[2] = { g_array_index (list, Count, i).key, num };
          g_snprintf (num, sizeof num, "%u", g_array_index (list, Count, i).n);
          table_row (out, html, 2, cells);
        }
      table_end (out, html);
    }
  {
    const char *heads[] = { _("Message"), _("From"), _("Signed by") };
    g_autofree char *h = g_strdup_printf (_("From mismatches (%u)"), st->mismatches->len);
    table_head (out, html, h, 3, heads);
    for (guint i = 0; i < st->mismatches->len; i++)
      {
        Mismatch *m = g_ptr_array_index (st->mismatches, i);
        const char *cells[3] = { m->source, m->from, m->signer };
        table_row (out, html, 3, cells);
      }
    table_end (out, html);
  }
  {
    const char *heads[] = { _("Message"), _("Verdict"), _("Reason") };
    g_autofree char *h = g_strdup_printf (_("Failures (%u)"), st->failures->len);
    table_head (out, html, h, 3, heads);
    for (guint i = 0; i < st->failures->len; i++)
      {
        Failure *f = g_ptr_array_index (st->failures, i);
        const char *cells[3] = { f->source, f->status, f->reason };
        table_row (out, html, 3, cells);
      }
    table_end (out, html);
  }
  {
    const char *heads[] = { _("Signer"), _("Expires"), _("Certificate"), _("Issuer"), _("Serial") };
    g_autofree char *h = g_strdup_printf (_("Signer certificates expiring within %d days (%u)"), EXPIRY_WINDOW_DAYS, expiring->len);
    table_head (out, html, h, 5, heads);
    for (guint i = 0; i < expiring->len; i++)
      {
        Expiring *e = g_ptr_array_index (expiring, i);
        g_autofree char *when_text = expiry_text (e, st->now);
        const char *cells[5] = { e->who, when_text, e->subject, e->issuer ? e->issuer : "", e->serial ? e->serial : "" };
        table_row (out, html, 5, cells);
      }
    table_end (out, html);
  }
  if (html)
    g_string_append (out, "</body></html>\n");
  return g_string_free_to_bytes (out);
}

int
cli_scan (int argc, char **argv)
{
  g_auto (GStrv) trust_files = NULL;
  g_autofree char *at_text = NULL, *report = NULL, *identity_path = NULL;
  gboolean no_system = FALSE, json = FALSE, jsonl = FALSE, quiet = FALSE;
  int jobs = 0;
  g_auto (CliPassphrase) pp = { -1, NULL };
  g_autofree GOptionEntry *pass_entries = cli_passphrase_entries (&pp);
  GOptionEntry entries[] = {
    { "trust", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &trust_files, N_("Also trust the CA certificates in PEMFILE (repeatable)"), "PEMFILE" },
    { "no-system-trust", 0, 0, G_OPTION_ARG_NONE, &no_system, N_("Do not trust the system's email roots"), NULL },
    { "key", 'k', 0, G_OPTION_ARG_FILENAME, &identity_path, N_("Decrypt encrypted messages with IDENTITY and verify what is inside"), N_("IDENTITY") },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, N_("Worker threads (default: one per processor)"), "N" },
    { "at", 0, 0, G_OPTION_ARG_STRING, &at_text, N_("Check chains at this ISO 8601 time instead of each signing time"), "TIME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the summary as JSON"), NULL },
    { "jsonl", 0, 0, G_OPTION_ARG_NONE, &jsonl, N_("Print one JSON object per message (no summary)"), NULL },
    { "report", 0, 0, G_OPTION_ARG_FILENAME, &report, N_("Also write a self-contained report (.html or .md)"), "FILE" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("No progress line"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("PATH... — verify every message in files, directories, mbox files and Maildirs"));
  g_autoptr (InkanTrust) trust = NULL;
  g_autoptr (InkanIdentity) id = NULL;
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  InkanScanOptions opts = { 0 };
  Stats st = { 0 };
  GError *error = NULL;
  gint64 at = 0;
  double secs;
  gboolean html = FALSE;
  int rc;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (ctx, pass_entries, GETTEXT_PACKAGE);
  if (!cli_parse_options (ctx, &argc, &argv, "scan"))
    return EXIT_USAGE;
  if (argc < 2)
    return cli_usage ("scan", _("give one or more files, directories, mbox files or Maildirs"));
  if (json && jsonl)
    return cli_usage ("scan", _("--json and --jsonl cannot be combined"));
  if (jobs < 0 || jobs > 1024)
    return cli_usage ("scan", _("--jobs takes a number from 1 to 1024"));
  if (report)
    {
      if (g_str_has_suffix (report, ".html") || g_str_has_suffix (report, ".htm"))
        html = TRUE;
      else if (!g_str_has_suffix (report, ".md"))
        return cli_usage ("scan", _("--report takes a file name ending in .html or .md"));
    }
  if (!cli_parse_time (at_text, &at, &error))
    {
      cli_usage ("scan", error->message);
      g_error_free (error);
      return EXIT_USAGE;
    }
  if ((trust = cli_build_trust (trust_files, no_system, &error)) == NULL
      || (identity_path && (id = cli_load_identity (identity_path, &pp, &error)) == NULL))
    {
      cli_passphrase_clear (&pp);
      return cli_fail ("scan", error);
    }
  cli_passphrase_clear (&pp);

  opts.trust = trust;
  opts.identity = id;
  opts.jobs = (guint) jobs;
  opts.at = at;
  st.json = json;
  st.jsonl = jsonl;
  st.progress = !quiet && !json && !jsonl && isatty (STDERR_FILENO);
  st.now = at ? at : g_get_real_time () / G_USEC_PER_SEC;
  st.signers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  st.cas = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  st.expiring = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) expiring_free);
  st.failures = g_ptr_array_new_with_free_func ((GDestroyNotify) failure_free);
  st.mismatches = g_ptr_array_new_with_free_func ((GDestroyNotify) mismatch_free);
  st.gen = gen;
  st.started = st.last_progress = g_get_monotonic_time ();

  if (!inkan_scan ((const char *const *) argv + 1, &opts, on_item, &st, &error))
    rc = cli_fail ("scan", error);
  else
    {
      guint used_jobs = opts.jobs ? opts.jobs : g_get_num_processors ();
      secs = (double) (g_get_monotonic_time () - st.started) / G_USEC_PER_SEC;
      if (st.progress)
        fprintf (stderr, "\r%60s\r", "");
      if (json)
        print_json (&st, secs, used_jobs);
      else if (!jsonl)
        print_text (&st, secs, used_jobs);
      rc = st.by_status[ST_INVALID] + st.by_status[ST_NOT_VALID] + st.by_status[ST_ERROR] > 0 ? EXIT_NOT_VALID : EXIT_OK;
      if (report)
        {
          g_autoptr (GBytes) bytes = build_report (&st, html, secs, argv + 1);
          if (!cli_write_output (report, bytes, 0644, &error))
            rc = cli_fail ("scan", error);
        }
    }
  fflush (stdout);
  g_hash_table_unref (st.signers);
  g_hash_table_unref (st.cas);
  g_hash_table_unref (st.expiring);
  g_ptr_array_unref (st.failures);
  g_ptr_array_unref (st.mismatches);
  return rc;
}
