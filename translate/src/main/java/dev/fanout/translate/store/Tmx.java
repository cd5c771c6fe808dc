package dev.fanout.translate.store;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.xml.XMLConstants;
import javax.xml.stream.Location;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import javax.xml.stream.XMLStreamWriter;

/**
 * The translation memory in TMX 1.4b, the format CAT tools exchange memories in: {@link #write}
 * exports it, {@link #read} imports a file as translations people made. Both stream (StAX): a
 * memory of a million units goes either way in a small heap.
 *
 * <p>Mapping. One {@code <tu>} per unit (but a backend's translation of a unit people translated
 * too: theirs only): a {@code <prop type="x-fanout-backend">} naming who translated it ({@code
 * human} for an imported unit), then a {@code <tuv xml:lang>} holding a {@code <seg>} for the
 * source and one for the translation. A token {@code ⟦n⟧} (an inline piece the format layer keeps
 * out of the text: code, a link's target, a placeholder) is written {@code <ph x="n"/>}; a line
 * break stays a line break. The unit's key is not written: an import computes its own.
 *
 * <p>Reading, every inline element of the source segment ({@code <ph>}, {@code <bpt>}, {@code
 * <ept>}, {@code <it>}, {@code <ut>}, or one TMX does not define) becomes a token, numbered in the
 * order it appears; the code inside it, {@code <sub>} included, is the token's, not text. Each of
 * the target's inline elements is matched to the source's by {@code x} (a {@code <bpt>} without
 * {@code x} by {@code i}, an {@code <ept>} through its {@code <bpt>}), and, without either, by
 * order among its kind. {@code <hi>} is text (as is a {@code <sub>} outside an inline element). A
 * {@code <tu>} whose inline elements do not match one to one (a run would fail the document when it
 * puts the translation back), or with no variant in one of the two languages, costs that {@code
 * <tu>} only; {@link Imported} counts each reason.
 *
 * <p>Security: the reader takes no DTD and resolves no external entity (no XXE, no entity
 * expansion); a {@code <!DOCTYPE tmx SYSTEM "tmx14.dtd">} line is read past, never fetched.
 */
public final class Tmx {
  private Tmx() {}

  /** The {@code <prop type>} naming the backend that translated a unit. */
  public static final String BACKEND_PROP = "x-fanout-backend";

  /** Units written to the store in one transaction by an import. */
  static final int BATCH = 512;

  /** Examples of skipped {@code <tu>}s kept for the summary. */
  static final int EXAMPLES = 5;

  /** The format layer's token brackets ({@code Unit.OPEN}, {@code Unit.CLOSE}). */
  private static final char OPEN = '\u27E6';

  private static final char CLOSE = '\u27E7';

  // ---------------------------------------------------------------------------------- export

  /**
   * What an export wrote.
   *
   * @param units {@code <tu>}s written
   * @param pairs units written per language pair, e.g. {@code en>es}
   * @param leftOut units not written, per reason (another source language, another target language
   *     than asked for, a character XML cannot hold, a machine translation of a unit people
   *     translated)
   */
  public record Exported(long units, Map<String, Long> pairs, Map<String, Long> leftOut) {}

  /**
   * Writes the memory's units translated from {@code from} (into {@code to}, or into any language)
   * to {@code out} as TMX 1.4b, in the order they were remembered.
   *
   * @param to the target language to export, or null for all of them
   * @param toolVersion fanout's version, for the header
   * @throws IOException when {@code out} cannot be written
   * @throws StoreException when the store cannot be read
   */
  public static Exported write(
      StateStore store, OutputStream out, String from, String to, String toolVersion)
      throws IOException {
    Map<String, Long> pairs = new TreeMap<>();
    Map<String, Long> leftOut = new TreeMap<>();
    long[] units = {0};
    try {
      XMLStreamWriter w = XMLOutputFactory.newDefaultFactory().createXMLStreamWriter(out, "UTF-8");
      w.writeStartDocument("UTF-8", "1.0");
      w.writeCharacters("\n");
      w.writeStartElement("tmx");
      w.writeAttribute("version", "1.4");
      w.writeCharacters("\n  ");
      w.writeEmptyElement("header");
      w.writeAttribute("creationtool", "fanout");
      w.writeAttribute("creationtoolversion", toolVersion);
      w.writeAttribute("datatype", "plaintext");
      w.writeAttribute("segtype", "paragraph");
      w.writeAttribute("adminlang", "en");
      w.writeAttribute("srclang", from);
      w.writeAttribute("o-tmf", "fanout");
      w.writeAttribute(
          "creationdate",
          ZonedDateTime.now(ZoneOffset.UTC)
              .format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT)));
      w.writeCharacters("\n  ");
      w.writeStartElement("body");
      store.memory(
          m -> {
            String why =
                !m.sourceLang().equals(from)
                    ? "translated from " + m.sourceLang()
                    : to != null && !to.equals(m.targetLang())
                        ? "translated into " + m.targetLang()
                        : !xmlCanHold(m.source()) || !xmlCanHold(m.target())
                            ? "a character XML 1.0 cannot hold"
                            : hasHumanTranslation(store, m)
                                ? "a machine translation of a unit people translated"
                                : null;
            if (why != null) {
              leftOut.merge(why, 1L, Long::sum);
              return;
            }
            try {
              writeUnit(w, m);
            } catch (XMLStreamException e) {
              throw new UncheckedIOException(asIo(e));
            }
            units[0]++;
            pairs.merge(m.sourceLang() + ">" + m.targetLang(), 1L, Long::sum);
          });
      w.writeCharacters("\n  ");
      w.writeEndElement();
      w.writeCharacters("\n");
      w.writeEndElement();
      w.writeCharacters("\n");
      w.writeEndDocument();
      w.flush();
      w.close();
    } catch (XMLStreamException e) {
      throw asIo(e);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    out.flush();
    return new Exported(
        units[0], Collections.unmodifiableMap(pairs), Collections.unmodifiableMap(leftOut));
  }

  /**
   * Whether {@code m} is a backend's translation of a unit people translated too: only theirs is
   * written, so that an import (which keeps the first translation of a unit) cannot take the
   * machine's, remembered earlier, for theirs.
   */
  private static boolean hasHumanTranslation(StateStore store, StateStore.Memory m) {
    return !StateStore.Memory.HUMAN.equals(m.backend())
        && store
            .recall(
                StateStore.Memory.key(
                    StateStore.Memory.humanScope(m.sourceLang(), m.targetLang()), m.source()))
            .isPresent();
  }

  private static void writeUnit(XMLStreamWriter w, StateStore.Memory m) throws XMLStreamException {
    w.writeCharacters("\n    ");
    w.writeStartElement("tu");
    w.writeCharacters("\n      ");
    w.writeStartElement("prop");
    w.writeAttribute("type", BACKEND_PROP);
    w.writeCharacters(m.backend());
    w.writeEndElement();
    writeVariant(w, m.sourceLang(), m.source());
    writeVariant(w, m.targetLang(), m.target());
    w.writeCharacters("\n    ");
    w.writeEndElement();
  }

  private static void writeVariant(XMLStreamWriter w, String lang, String text)
      throws XMLStreamException {
    w.writeCharacters("\n      ");
    w.writeStartElement("tuv");
    w.writeAttribute("xml", XMLConstants.XML_NS_URI, "lang", lang);
    w.writeStartElement("seg");
    int plain = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      int close = c == OPEN ? tokenEnd(text, i) : -1;
      if (close > 0) {
        w.writeCharacters(text.substring(plain, i));
        w.writeEmptyElement("ph");
        w.writeAttribute("x", text.substring(i + 1, close));
        i = close;
        plain = close + 1;
      } else if (c == '\r') { // a parser reads a raw CR as a line feed
        w.writeCharacters(text.substring(plain, i));
        w.writeEntityRef("#13");
        plain = i + 1;
      }
    }
    w.writeCharacters(text.substring(plain));
    w.writeEndElement();
    w.writeEndElement();
  }

  /**
   * The index of the {@code ⟧} closing the token {@code ⟦digits⟧} that starts at {@code i}, or -1.
   */
  private static int tokenEnd(String text, int i) {
    int j = i + 1;
    while (j < text.length() && text.charAt(j) >= '0' && text.charAt(j) <= '9') {
      j++;
    }
    return j > i + 1 && j < text.length() && text.charAt(j) == CLOSE ? j : -1;
  }

  /** Whether every character of {@code s} is allowed in an XML 1.0 document. */
  static boolean xmlCanHold(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)
          || (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
          || c == 0xFFFE
          || c == 0xFFFF) {
        return false;
      }
    }
    return true;
  }

  private static IOException asIo(XMLStreamException e) {
    Throwable cause = e.getNestedException() != null ? e.getNestedException() : e.getCause();
    return cause instanceof IOException io ? io : new IOException(e.getMessage(), e);
  }

  // ---------------------------------------------------------------------------------- import

  /**
   * What an import did.
   *
   * @param units {@code <tu>}s read
   * @param added units the memory did not have, now remembered
   * @param known units it had already (from an earlier import, or earlier in this file): the memory
   *     keeps the first translation of a unit
   * @param differing of those, how many the file translates otherwise than the memory
   * @param skipped {@code <tu>}s not imported, per reason
   * @param examples the first few skipped, with their line
   * @param languages the languages of the file's {@code <tuv>}s (the first dozen), to tell a user
   *     whose {@code --from}/{@code --to} match nothing what would
   */
  public record Imported(
      long units,
      long added,
      long known,
      long differing,
      Map<String, Long> skipped,
      List<String> examples,
      List<String> languages) {
    /** {@return how many {@code <tu>}s were skipped} */
    public long skippedUnits() {
      return skipped.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /**
   * A file that is not well-formed XML or not TMX: nothing was imported.
   *
   * <p>{@link #getMessage()} says where ({@code line L, column C}) and what.
   */
  public static final class MalformedException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int line;
    private final int column;

    MalformedException(Location at, String what) {
      super(
          (at == null
                  ? ""
                  : "line " + at.getLineNumber() + ", column " + at.getColumnNumber() + ": ")
              + what);
      this.line = at == null ? -1 : at.getLineNumber();
      this.column = at == null ? -1 : at.getColumnNumber();
    }

    /** {@return the line of the problem, from 1; -1 when unknown} */
    public int line() {
      return line;
    }

    /** {@return the column of the problem, from 1; -1 when unknown} */
    public int column() {
      return column;
    }
  }

  /**
   * Imports {@code file} into {@code store} as translations people made from {@code from} into
   * {@code to}: each is remembered under {@link StateStore.Memory#humanScope}, which a run prefers
   * to any backend's translation. The file is read twice: first to check it is well-formed TMX, so
   * that a malformed one imports nothing; then to import it, {@value #BATCH} units a transaction.
   *
   * @param from the source language, ISO 639-1; a {@code <tuv>} matches it by its primary subtag,
   *     in any case ({@code en-US}, {@code EN} and {@code en} all match {@code en})
   * @param to the target language, likewise
   * @param run the store's run recording this import
   * @throws MalformedException when the file is not well-formed XML, or its root is not {@code
   *     <tmx>}
   * @throws IOException when it cannot be read
   * @throws StoreException when the store cannot be read or written
   */
  public static Imported read(StateStore store, Path file, String from, String to, long run)
      throws IOException {
    readTus(file, null);
    Importer importer = new Importer(store, from, to, run);
    readTus(file, importer::tu);
    return importer.finish();
  }

  /** What to do with a {@code <tu>} just started: read it, up to and with its end tag. */
  private interface TuReader {
    void tu(XMLStreamReader r) throws XMLStreamException;
  }

  /** Reads the file to its end, handing each {@code <tu>} to {@code tus} (when not null). */
  private static void readTus(Path file, TuReader tus) throws IOException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      XMLStreamReader r = null;
      try {
        r = inputFactory().createXMLStreamReader(in);
        root(r);
        while (r.hasNext()) {
          if (r.next() == XMLStreamConstants.START_ELEMENT
              && tus != null
              && r.getLocalName().equals("tu")) {
            tus.tu(r);
          }
        }
      } catch (XMLStreamException e) {
        throw malformed(e, r);
      } finally {
        close(r);
      }
    }
  }

  /** A StAX factory that reads no DTD and resolves no external entity. */
  static XMLInputFactory inputFactory() {
    XMLInputFactory f = XMLInputFactory.newDefaultFactory();
    f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    f.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
    f.setProperty(XMLInputFactory.IS_COALESCING, true);
    return f;
  }

  /** Reads up to the root element and checks it is {@code <tmx>}. */
  private static void root(XMLStreamReader r) throws XMLStreamException, MalformedException {
    while (r.next() != XMLStreamConstants.START_ELEMENT) {
      // the prolog: the XML declaration, comments, a DOCTYPE (not read)
    }
    if (!r.getLocalName().equals("tmx")) {
      throw new MalformedException(
          r.getLocation(), "not a TMX file: the root element is <" + r.getLocalName() + ">");
    }
  }

  private static MalformedException malformed(XMLStreamException e, XMLStreamReader r) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    int at = message.indexOf("Message: ");
    if (at >= 0) {
      message = message.substring(at + "Message: ".length()); // drop "ParseError at [row,col]"
    }
    Location where = e.getLocation() != null ? e.getLocation() : r == null ? null : r.getLocation();
    return new MalformedException(where, "malformed XML: " + message.strip());
  }

  private static void close(XMLStreamReader r) {
    if (r != null) {
      try {
        r.close();
      } catch (XMLStreamException ignored) {
        // the stream itself is closed by the caller
      }
    }
  }

  /** Reads past the element just started, its content and its end tag. */
  private static void skip(XMLStreamReader r) throws XMLStreamException {
    for (int depth = 1; depth > 0; ) {
      int e = r.next();
      if (e == XMLStreamConstants.START_ELEMENT) {
        depth++;
      } else if (e == XMLStreamConstants.END_ELEMENT) {
        depth--;
      }
    }
  }

  /** Whether a {@code xml:lang} value is the language {@code code}, by its primary subtag. */
  static boolean sameLanguage(String tag, String code) {
    if (tag == null) {
      return false;
    }
    String t = tag.strip();
    int end = t.length();
    for (int i = 0; i < t.length(); i++) {
      if (t.charAt(i) == '-' || t.charAt(i) == '_') {
        end = i;
        break;
      }
    }
    return end == code.length() && t.regionMatches(true, 0, code, 0, end);
  }

  /**
   * An inline element of a segment: what pairs it with its counterpart, and its name for people.
   */
  private record Inline(String key, String label) {}

  /** One {@code <seg>}: text (Strings) and inline elements, in order. */
  private static List<Object> segment(XMLStreamReader r) throws XMLStreamException {
    List<Object> parts = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    content(r, parts, text, new HashMap<>(), new HashMap<>());
    if (!text.isEmpty()) {
      parts.add(text.toString());
    }
    return parts;
  }

  /** The content of the element just started, up to its end tag (text inside {@code <hi>}). */
  private static void content(
      XMLStreamReader r,
      List<Object> parts,
      StringBuilder text,
      Map<String, String> bptByI,
      Map<String, Integer> ordinals)
      throws XMLStreamException {
    while (true) {
      switch (r.next()) {
        case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE ->
            text.append(r.getTextCharacters(), r.getTextStart(), r.getTextLength());
        case XMLStreamConstants.START_ELEMENT -> {
          String name = r.getLocalName();
          if (name.equals("hi") || name.equals("sub")) {
            content(r, parts, text, bptByI, ordinals);
          } else {
            if (!text.isEmpty()) {
              parts.add(text.toString());
              text.setLength(0);
            }
            parts.add(inline(r, name, bptByI, ordinals));
            skip(r);
          }
        }
        case XMLStreamConstants.END_ELEMENT -> {
          return;
        }
        default -> {
          // comments, processing instructions
        }
      }
    }
  }

  private static Inline inline(
      XMLStreamReader r, String name, Map<String, String> bptByI, Map<String, Integer> ordinals) {
    String x = r.getAttributeValue(null, "x");
    String i = r.getAttributeValue(null, "i");
    String label =
        "<"
            + name
            + (i != null ? " i=\"" + i + "\"" : "")
            + (x != null ? " x=\"" + x + "\"" : "")
            + ">";
    String key;
    if (name.equals("ept") && i != null && bptByI.containsKey(i)) {
      key = "ept of " + bptByI.get(i);
    } else if (x != null) {
      key = name + " x=" + x;
    } else if (i != null && (name.equals("bpt") || name.equals("ept"))) {
      key = name + " i=" + i;
    } else {
      key = name + " #" + ordinals.merge(name, 1, Integer::sum);
    }
    if (name.equals("bpt") && i != null) {
      bptByI.put(i, key);
    }
    return new Inline(key, label);
  }

  /** One import: the units read so far, the batch not yet written, the counts. */
  private static final class Importer {
    private final StateStore store;
    private final String from;
    private final String to;
    private final String scope;
    private final long run;
    private final List<StateStore.Change> batch = new ArrayList<>(BATCH);
    private final Map<String, String> pending = new HashMap<>();
    private final Map<String, Long> skipped = new LinkedHashMap<>();
    private final List<String> examples = new ArrayList<>();
    private final Set<String> languages = new TreeSet<>();
    private long units;
    private long added;
    private long known;
    private long differing;

    Importer(StateStore store, String from, String to, long run) {
      this.store = store;
      this.from = from;
      this.to = to;
      this.scope = StateStore.Memory.humanScope(from, to);
      this.run = run;
    }

    /** Reads the {@code <tu>} just started, up to its end tag, and imports it or counts why not. */
    void tu(XMLStreamReader r) throws XMLStreamException {
      units++;
      int line = r.getLocation().getLineNumber();
      List<Object> source = null;
      List<Object> target = null;
      boolean sawSource = false;
      boolean sawTarget = false;
      while (true) {
        int e = r.next();
        if (e == XMLStreamConstants.END_ELEMENT) {
          break;
        }
        if (e != XMLStreamConstants.START_ELEMENT) {
          continue;
        }
        if (!r.getLocalName().equals("tuv")) {
          skip(r); // <prop>, <note>
          continue;
        }
        String lang = r.getAttributeValue(XMLConstants.XML_NS_URI, "lang");
        if (lang == null) {
          lang = r.getAttributeValue(null, "lang"); // TMX 1.1 to 1.3
        }
        if (lang != null && languages.size() < 12) {
          languages.add(lang.strip().toLowerCase(Locale.ROOT));
        }
        boolean isSource = !sawSource && sameLanguage(lang, from);
        boolean isTarget = !isSource && !sawTarget && sameLanguage(lang, to);
        sawSource |= isSource;
        sawTarget |= isTarget;
        List<Object> seg = variant(r, isSource || isTarget);
        if (isSource) {
          source = seg;
        } else if (isTarget) {
          target = seg;
        }
      }
      if (!sawSource || !sawTarget) {
        reject(line, "no <tuv> in " + (sawSource ? to : from), null);
      } else if (source == null || target == null) {
        reject(line, "a <tuv> without <seg>", null);
      } else {
        pair(line, source, target);
      }
    }

    /** Reads the {@code <tuv>} just started; returns its segment when {@code wanted}, or null. */
    private static List<Object> variant(XMLStreamReader r, boolean wanted)
        throws XMLStreamException {
      List<Object> seg = null;
      while (true) {
        int e = r.next();
        if (e == XMLStreamConstants.END_ELEMENT) {
          return seg;
        }
        if (e == XMLStreamConstants.START_ELEMENT) {
          if (wanted && seg == null && r.getLocalName().equals("seg")) {
            seg = segment(r);
          } else {
            skip(r);
          }
        }
      }
    }

    /** Turns a source and a target segment into unit texts, and imports them. */
    private void pair(int line, List<Object> source, List<Object> target) {
      Map<String, ArrayDeque<Integer>> numbers = new HashMap<>();
      List<String> labels = new ArrayList<>();
      StringBuilder s = new StringBuilder();
      for (Object part : source) {
        if (part instanceof Inline in) {
          labels.add(in.label());
          numbers.computeIfAbsent(in.key(), k -> new ArrayDeque<>()).add(labels.size());
          s.append(OPEN).append(labels.size()).append(CLOSE);
        } else {
          s.append((String) part);
        }
      }
      StringBuilder t = new StringBuilder();
      for (Object part : target) {
        if (part instanceof Inline in) {
          ArrayDeque<Integer> n = numbers.get(in.key());
          if (n == null || n.isEmpty()) {
            reject(
                line,
                "inline elements differ",
                "the target has " + in.label() + ", the source not");
            return;
          }
          t.append(OPEN).append(n.poll()).append(CLOSE);
        } else {
          t.append((String) part);
        }
      }
      for (ArrayDeque<Integer> left : numbers.values()) {
        if (!left.isEmpty()) {
          reject(
              line,
              "inline elements differ",
              "the source has " + labels.get(left.peek() - 1) + ", the target not");
          return;
        }
      }
      String sourceText = s.toString();
      String targetText = t.toString();
      if (sourceText.isBlank() || targetText.isBlank()) {
        reject(line, "an empty <seg>", null);
      } else if (hasBracket(source) || hasBracket(target)) {
        reject(line, "text with " + OPEN + " or " + CLOSE + " (fanout's token brackets)", null);
      } else {
        remember(sourceText, targetText);
      }
    }

    private static boolean hasBracket(List<Object> parts) {
      for (Object p : parts) {
        if (p instanceof String text && (text.indexOf(OPEN) >= 0 || text.indexOf(CLOSE) >= 0)) {
          return true;
        }
      }
      return false;
    }

    private void remember(String source, String target) {
      String key = StateStore.Memory.key(scope, source);
      String had = pending.get(key);
      if (had == null) {
        had = store.recall(key).orElse(null);
      }
      if (had != null) {
        known++;
        if (!had.equals(target)) {
          differing++;
        }
        return;
      }
      pending.put(key, target);
      batch.add(
          new StateStore.Remember(
              new StateStore.Memory(key, source, target, from, to, StateStore.Memory.HUMAN), run));
      added++;
      if (batch.size() >= BATCH) {
        flush();
      }
    }

    private void flush() {
      store.write(batch);
      batch.clear();
      pending.clear();
    }

    private void reject(int line, String reason, String detail) {
      skipped.merge(reason, 1L, Long::sum);
      if (examples.size() < EXAMPLES) {
        examples.add("line " + line + ": " + (detail == null ? reason : detail));
      }
    }

    Imported finish() {
      flush();
      return new Imported(
          units,
          added,
          known,
          differing,
          Collections.unmodifiableMap(new LinkedHashMap<>(skipped)),
          List.copyOf(examples),
          List.copyOf(languages));
    }
  }
}
