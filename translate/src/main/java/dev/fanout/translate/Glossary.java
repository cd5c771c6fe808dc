package dev.fanout.translate;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Terms that must not be translated, and terms that must be translated one way: {@code --glossary
 * FILE}, a CSV file of {@code source,target[,tenant]} rows (an optional header row {@code
 * source,target,tenant}; RFC 4180 quoting).
 *
 * <ul>
 *   <li>An empty target means "do not translate": the term, matched case-sensitively on word
 *       boundaries, travels as a token like a placeholder, so no backend ever sees it and it comes
 *       back byte for byte (the format layer checks it).
 *   <li>A target is a forced translation: it cannot be imposed on an engine, so it is checked. A
 *       unit whose source holds the term (any case, word boundaries) and whose translation does not
 *       hold the target (any case) gives the document a warning in the report; the document does
 *       not fail.
 *   <li>A tenant limits the row to that tenant's documents; no tenant means every document.
 * </ul>
 *
 * <p>The translation memory needs no glossary in its key: do-not-translate terms are tokens in the
 * unit's text, so a changed list changes the units; forced targets are checked, not sent. Immutable
 * and thread-safe.
 */
public final class Glossary {
  /** No glossary. */
  public static final Glossary NONE = new Glossary(List.of());

  /**
   * One row.
   *
   * @param source the term in the source language
   * @param target its required translation; empty: keep the term as it is
   * @param tenant the tenant it applies to; empty: every tenant
   */
  public record Entry(String source, String target, String tenant) {
    /** {@return whether this row keeps its term untranslated} */
    public boolean doNotTranslate() {
      return target.isEmpty();
    }

    boolean appliesTo(String t) {
      return tenant.isEmpty() || tenant.equals(t);
    }
  }

  private final List<Entry> entries;
  private final List<Forced> forced; // the rows with a target, their patterns compiled once

  private record Forced(Entry entry, Pattern source, Pattern target) {}

  private Glossary(List<Entry> entries) {
    this.entries = List.copyOf(entries);
    List<Forced> f = new ArrayList<>();
    for (Entry e : this.entries) {
      if (!e.doNotTranslate()) {
        f.add(new Forced(e, word(e.source()), word(e.target())));
      }
    }
    this.forced = List.copyOf(f);
  }

  /** A glossary of these rows. */
  public static Glossary of(List<Entry> entries) {
    return new Glossary(entries);
  }

  /**
   * Reads a glossary file.
   *
   * @throws IllegalArgumentException when the file cannot be read or a row is not {@code
   *     source,target[,tenant]} with a non-blank source; the message names the line
   */
  public static Glossary read(Path file) {
    List<Entry> rows = new ArrayList<>();
    CsvMapper csv = new CsvMapper();
    csv.enable(CsvParser.Feature.WRAP_AS_ARRAY);
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        MappingIterator<String[]> it = csv.readerFor(String[].class).readValues(r)) {
      int line = 0;
      while (it.hasNextValue()) {
        line = it.getCurrentLocation().getLineNr(); // where the row starts
        String[] row = it.nextValue();
        if (row.length == 0 || (row.length == 1 && row[0].isBlank())) {
          continue;
        }
        if (rows.isEmpty() && row[0].strip().equalsIgnoreCase("source")) {
          continue; // the header
        }
        if (row.length < 2 || row.length > 3 || row[0].isBlank()) {
          throw new IllegalArgumentException(
              "glossary " + file + " line " + line + ": expected source,target[,tenant]");
        }
        rows.add(new Entry(row[0].strip(), row[1].strip(), row.length == 3 ? row[2].strip() : ""));
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae) {
        throw iae;
      }
      throw new IllegalArgumentException("cannot read glossary " + file + ": " + e.getMessage(), e);
    }
    return new Glossary(rows);
  }

  /** {@return every row} */
  public List<Entry> entries() {
    return entries;
  }

  /** {@return the terms a tenant's documents keep as they are} */
  List<String> doNotTranslate(String tenant) {
    List<String> out = new ArrayList<>();
    for (Entry e : entries) {
      if (e.doNotTranslate() && e.appliesTo(tenant)) {
        out.add(e.source());
      }
    }
    return out;
  }

  /**
   * The forced translations a unit's translation lost.
   *
   * @param tenant the document's tenant
   * @param source the unit's text as sent
   * @param translation its translation
   * @return one line per lost term, for the report's warnings
   */
  List<String> missing(String tenant, String source, String translation) {
    List<String> out = new ArrayList<>();
    for (Forced f : forced) {
      Entry e = f.entry();
      if (e.appliesTo(tenant)
          && f.source().matcher(source).find()
          && !f.target().matcher(translation).find()) {
        out.add(
            "glossary: \"" + e.source() + "\" should be \"" + e.target() + "\" in the translation");
      }
    }
    return out;
  }

  /** {@code term} on word boundaries, in any case. */
  private static Pattern word(String term) {
    return Pattern.compile(
        "(?<![\\p{L}\\p{N}_])" + Pattern.quote(term) + "(?![\\p{L}\\p{N}_])",
        Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  }

  @Override
  public String toString() {
    long dnt = entries.stream().filter(Entry::doNotTranslate).count();
    return String.format(
        Locale.ROOT, "Glossary[%d do-not-translate, %d forced]", dnt, entries.size() - dnt);
  }
}
