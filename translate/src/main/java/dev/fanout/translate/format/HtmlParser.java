package dev.fanout.translate.format;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Attribute;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.Range;
import org.jsoup.nodes.TextNode;
import org.jsoup.parser.Parser;

/**
 * HTML taken apart with jsoup's source positions: units are ranges of the source, so whatever is
 * not a translated word (tags, attributes, entities, comments, whitespace between blocks) is given
 * back byte for byte.
 *
 * <p>Units: each maximal run of inline content inside a block (a paragraph, a list item, a cell, a
 * heading, the text standing directly in a {@code div} or a {@code blockquote}...), the text of
 * {@code <title>}, and each {@code alt} and {@code title} attribute value. In a run, text nodes are
 * words (character references, placeholders, URLs and protected terms inside them are tokens);
 * inline elements ({@code a}, {@code b}, {@code em}, {@code span}, {@code button}, {@code
 * label}...) send their start and end tags as a pair of tokens and their text as words; {@code
 * <br>}, {@code <img>}, {@code <input>} and comments are tokens. A run whose edges are a pair of
 * tags around everything else (a list item that is one link) is sent without them, and whitespace
 * and comments at its edges stay outside it. An {@code alt} or {@code title} value is a unit of its
 * own, restored inside its tag's token. Block elements end a run; so do unknown elements (custom
 * elements are read as blocks), and an inline element holding a block is read as a block.
 *
 * <p>Never sent: {@code <pre>}, {@code <code>}, {@code <kbd>}, {@code <samp>}, {@code <var>},
 * {@code <tt>}, {@code <script>}, {@code <style>}, {@code <textarea>}, {@code <template>}, {@code
 * <svg>}, {@code <math>}, embedded content ({@code iframe}, {@code object}, {@code video}...), and
 * any element with {@code translate="no"} or the class {@code notranslate} (even a part marked
 * {@code translate="yes"} inside it), each with all it holds: inside a run, such an element is one
 * token. Never sent either: {@code <head>} but its {@code <title>}, comments, the doctype, and
 * attributes other than {@code alt} and {@code title} ({@code href}, {@code value}, {@code
 * placeholder}, {@code aria-label}, {@code content} of a {@code <meta>}...).
 *
 * <p>Decisions: {@code <title>} is translated (escaped as its raw text needs: only {@code </title}
 * is markup there). {@code <option>} labels are translated, each a unit ({@code value} is data and
 * stays). {@code <button>} is inline: its label is words of the sentence around it. {@code
 * placeholder} is not sent: the contract sends {@code alt} and {@code title} only.
 *
 * <p>Escaping, of the answer's words only (never of tokens, so never of anything the source held):
 * in text, {@code <} followed by a letter, {@code /}, {@code !} or {@code ?} becomes {@code &lt;}
 * and {@code &} that would start a character reference {@code &amp;}; in a double-quoted value
 * {@code "} becomes {@code &quot;}, in a single-quoted one {@code '} becomes {@code &#39;}; an
 * unquoted value whose answer no longer reads as one (a space, a quote...) is written
 * double-quoted. See {@link HtmlText}.
 *
 * <p>Malformed HTML: where jsoup's tree does not follow the source (a formatting element cloned by
 * the adoption agency, text moved out of a table), a tag already used is not used again, and a run
 * whose pieces are out of source order is not sent.
 */
final class HtmlParser {
  /** Elements that may stand inside a sentence: their tags are tokens of the run around them. */
  private static final Set<String> INLINE =
      Set.of(
          ("a abbr acronym area audio b bdi bdo big br button canvas cite code "
                  + "data del dfn em embed font i iframe img input ins kbd label map mark "
                  + "math meter nobr object output picture progress q rp rt ruby s samp "
                  + "script select slot small source span strike strong style sub sup svg "
                  + "template textarea time track tt u var video wbr")
              .split(" "));

  /** Never sent, nor anything inside them. */
  private static final Set<String> NEVER_SENT =
      Set.of(
          ("code kbd samp var tt pre listing xmp plaintext script style textarea "
                  + "template iframe noembed noframes svg math object embed video audio "
                  + "canvas")
              .split(" "));

  /** The attributes whose values are translated. */
  static final List<String> TRANSLATED_ATTRIBUTES = List.of("alt", "title");

  private HtmlParser() {}

  static Extraction parse(String source, Protection base) {
    Parser parser = Parser.htmlParser().setTrackPosition(true);
    Walker walker = new Walker(source, base);
    walker.container(Jsoup.parse(source, "", parser));
    return new Extraction(source, wellNested(walker.units), null);
  }

  private enum Kind {
    WORDS,
    TOKEN,
    SKIPPABLE, // a comment or the doctype: a token, left out at a run's edges
    OPEN,
    CLOSE
  }

  /** A source range of a run; {@code element} is the element of an OPEN or CLOSE tag. */
  private record Piece(int start, int end, Kind kind, Element element) {
    static final Piece BROKEN = new Piece(-1, -1, Kind.TOKEN, null);

    /**
     * The piece without the whitespace at its start ({@code head}) and at its end ({@code tail}).
     */
    Piece trimmed(String source, boolean head, boolean tail) {
      int s = start;
      int e = end;
      while (head && s < e && HtmlText.isHtmlWhitespace(source.charAt(s))) {
        s++;
      }
      while (tail && e > s && HtmlText.isHtmlWhitespace(source.charAt(e - 1))) {
        e--;
      }
      return new Piece(s, e, kind, element);
    }
  }

  /** Walks one document and builds its units. */
  private static final class Walker {
    private final String source;
    private final Protection protection; // in text
    private final Protection attributeProtection; // in attribute values
    private final List<Unit> units = new ArrayList<>();
    private final Set<Integer> usedTags = new HashSet<>(); // start offsets of the tags used
    private final Map<Element, Boolean> inline = new IdentityHashMap<>();

    Walker(String source, Protection base) {
      this.source = source;
      this.protection = Protection.html(base);
      this.attributeProtection = Protection.htmlAttribute(base);
    }

    /** The children of a block: runs of inline content, and the blocks between them. */
    void container(Element parent) {
      List<Piece> run = new ArrayList<>();
      for (Node n : parent.childNodes()) {
        if (n instanceof Element e && !isInline(e)) {
          flush(run);
          block(e);
        } else {
          inline(n, run);
        }
      }
      flush(run);
    }

    private void block(Element e) {
      switch (e.normalName()) {
        case "title" -> title(e);
        case "head" -> {
          for (Element c : e.children()) {
            if (c.normalName().equals("title")) {
              title(c);
            }
          }
        }
        default -> {
          if (!neverSent(e)) {
            if (freshStartTag(e)) {
              attributes(e);
            }
            container(e);
          }
        }
      }
    }

    /** Adds an inline node's pieces to the run. */
    private void inline(Node n, List<Piece> run) {
      if (n instanceof TextNode t) {
        Range r = t.sourceRange();
        if (!r.isTracked()) {
          run.add(Piece.BROKEN);
        } else if (r.endPos() > r.startPos()) {
          boolean words =
              readsAs(r.startPos(), r.endPos(), t.getWholeText(), false)
                  && !holdsMarkup(r.startPos(), r.endPos());
          run.add(new Piece(r.startPos(), r.endPos(), words ? Kind.WORDS : Kind.TOKEN, null));
        }
      } else if (n instanceof Element e && neverSent(e)) {
        int[] span = {Integer.MAX_VALUE, -1};
        span(e, span);
        if (span[1] >= 0) {
          run.add(new Piece(span[0], span[1], Kind.TOKEN, null));
        }
      } else if (n instanceof Element e) {
        if (freshStartTag(e)) {
          run.add(new Piece(e.sourceRange().startPos(), e.sourceRange().endPos(), Kind.OPEN, e));
          attributes(e);
        }
        for (Node c : e.childNodes()) {
          inline(c, run);
        }
        if (freshEndTag(e)) {
          Range r = e.endSourceRange();
          run.add(new Piece(r.startPos(), r.endPos(), Kind.CLOSE, e));
        }
      } else {
        Range r = n.sourceRange();
        run.add(
            r.isTracked()
                ? new Piece(r.startPos(), r.endPos(), Kind.SKIPPABLE, null)
                : Piece.BROKEN);
      }
    }

    /** A run as one unit: its pieces in order, what the parser dropped between them as tokens. */
    private void flush(List<Piece> run) {
      List<Piece> pieces = trim(new ArrayList<>(run));
      run.clear();
      int cursor = pieces.isEmpty() ? 0 : pieces.get(0).start();
      for (Piece p : pieces) {
        if (p.start() < 0 || p.start() < cursor || p.end() < p.start()) {
          return; // not in the source, or out of its order: jsoup moved something
        }
        cursor = p.end();
      }
      UnitBuilder b = new UnitBuilder(source, protection).escapeText(HtmlText::escapeText);
      Map<Element, Integer> opened = new IdentityHashMap<>();
      cursor = pieces.isEmpty() ? 0 : pieces.get(0).start();
      for (Piece p : pieces) {
        b.token(cursor, p.start()); // a stray end tag, which jsoup drops
        if (p.kind() == Kind.WORDS) {
          b.lines(p.start(), p.end());
        } else {
          b.token(p.start(), p.end());
        }
        if (p.kind() == Kind.OPEN) {
          opened.put(p.element(), p.start());
        } else if (p.kind() == Kind.CLOSE && opened.containsKey(p.element())) {
          b.pair(opened.get(p.element()), p.start());
        }
        cursor = p.end();
      }
      add(b.build());
    }

    /**
     * Leaves out a run's edges: whitespace, comments, line breaks, empty elements (anchors such as
     * {@code <span id="x"></span>}), and a pair of tags around all the rest.
     */
    private List<Piece> trim(List<Piece> pieces) {
      boolean changed = true;
      while (changed && !pieces.isEmpty()) {
        int n = pieces.size();
        Piece first = pieces.get(0);
        Piece last = pieces.get(n - 1);
        if (blank(first) || isBreak(first)) {
          pieces.remove(0);
        } else if (blank(last) || isBreak(last)) {
          pieces.remove(n - 1);
        } else if (n >= 2 && (tagPair(first, pieces.get(1)) || tagPair(first, last))) {
          pieces.remove(pieces.get(1).element() == first.element() ? 1 : n - 1);
          pieces.remove(0);
        } else if (n >= 2 && tagPair(pieces.get(n - 2), last)) {
          pieces.remove(n - 1);
          pieces.remove(n - 2);
        } else {
          changed = false;
        }
      }
      if (!pieces.isEmpty() && pieces.get(0).kind() == Kind.WORDS) {
        pieces.set(0, pieces.get(0).trimmed(source, true, false));
      }
      if (!pieces.isEmpty() && pieces.get(pieces.size() - 1).kind() == Kind.WORDS) {
        pieces.set(pieces.size() - 1, pieces.get(pieces.size() - 1).trimmed(source, false, true));
      }
      return pieces;
    }

    private boolean blank(Piece p) {
      if (p.kind() == Kind.WORDS) {
        Piece t = p.trimmed(source, true, true);
        return t.start() == t.end();
      }
      return p.kind() == Kind.SKIPPABLE;
    }

    /** A {@code <br>} or {@code <wbr>}: nothing to translate at a run's edge. */
    private static boolean isBreak(Piece p) {
      return p.kind() == Kind.OPEN
          && (p.element().normalName().equals("br") || p.element().normalName().equals("wbr"));
    }

    /** Whether {@code open} and {@code close} are the start and end tags of one element. */
    private static boolean tagPair(Piece open, Piece close) {
      return open.kind() == Kind.OPEN
          && close.kind() == Kind.CLOSE
          && open.element() == close.element();
    }

    /** The text of a {@code <title>}, as one unit. */
    private void title(Element title) {
      if (title.childNodeSize() != 1 || !(title.childNode(0) instanceof TextNode t)) {
        return;
      }
      Range r = t.sourceRange();
      if (r.isTracked() && readsAs(r.startPos(), r.endPos(), t.getWholeText(), false)) {
        Piece p = new Piece(r.startPos(), r.endPos(), Kind.WORDS, null).trimmed(source, true, true);
        UnitBuilder b = new UnitBuilder(source, protection).escapeText(HtmlText::escapeTitle);
        b.lines(p.start(), p.end());
        add(b.build());
      }
    }

    /** The {@code alt} and {@code title} values of an element, each as a unit. */
    private void attributes(Element e) {
      for (String name : TRANSLATED_ATTRIBUTES) {
        Attribute a = e.attribute(name);
        Range v = a == null ? null : a.sourceRange().valueRange();
        if (v == null
            || !v.isTracked()
            || v.endPos() <= v.startPos()
            || !readsAs(v.startPos(), v.endPos(), a.getValue(), true)) {
          continue;
        }
        char before = v.startPos() > 0 ? source.charAt(v.startPos() - 1) : '=';
        boolean quoted =
            (before == '"' || before == '\'')
                && v.endPos() < source.length()
                && source.charAt(v.endPos()) == before;
        Piece p = new Piece(v.startPos(), v.endPos(), Kind.WORDS, null).trimmed(source, true, true);
        UnitBuilder b = new UnitBuilder(source, attributeProtection);
        if (!quoted) {
          String raw = source.substring(p.start(), p.end());
          b.escapeText(HtmlText::escapeUnquoted);
          b.finish(value -> value.equals(raw) ? value : HtmlText.quoteIfNeeded(value));
        } else if (before == '"') {
          b.escapeText(HtmlText::escapeDoubleQuoted);
        } else {
          b.escapeText(HtmlText::escapeSingleQuoted);
        }
        b.lines(p.start(), p.end());
        add(b.build());
      }
    }

    /**
     * Whether the source in {@code [s, e)} decodes to what jsoup read there: else the tree does not
     * follow the source there, and it is not sent.
     */
    private boolean readsAs(int s, int e, String decoded, boolean attribute) {
      return Parser.unescapeEntities(source.substring(s, e), attribute).equals(decoded);
    }

    /** Whether a text node's source holds a tag: raw text that jsoup did not read as HTML. */
    private boolean holdsMarkup(int s, int e) {
      for (int i = source.indexOf('<', s); i >= 0 && i < e; i = source.indexOf('<', i + 1)) {
        if (HtmlText.opensMarkup(source, i + 1, e)) {
          return true;
        }
      }
      return false;
    }

    /** An element's whole source, tags and all it holds, into {@code span} ({start, end}). */
    private void span(Node n, int[] span) {
      Range r = n.sourceRange();
      if (n instanceof Element e) {
        if (freshStartTag(e)) {
          widen(span, r);
        }
        for (Node c : e.childNodes()) {
          span(c, span);
        }
        Range end = e.endSourceRange();
        // raw text elements (script, style, textarea): jsoup gives their end tag's range as the
        // whole element's, from the start tag
        if (freshEndTag(e) || (end.isTracked() && end.startPos() == r.startPos())) {
          widen(span, end);
        }
      } else if (r.isTracked()) {
        widen(span, r);
      }
    }

    private static void widen(int[] span, Range r) {
      if (r.isTracked() && r.endPos() > r.startPos()) {
        span[0] = Math.min(span[0], r.startPos());
        span[1] = Math.max(span[1], r.endPos());
      }
    }

    /** Whether the element's start tag is in the source and not used yet (clones repeat it). */
    private boolean freshStartTag(Element e) {
      Range r = e.sourceRange();
      return r.isTracked()
          && !r.isImplicit()
          && r.endPos() > r.startPos()
          && usedTags.add(r.startPos());
    }

    /** Whether the element has an end tag of its own in the source, not used yet. */
    private boolean freshEndTag(Element e) {
      Range r = e.endSourceRange();
      return r.isTracked()
          && !r.isImplicit()
          && r.endPos() > r.startPos()
          && r.startPos() >= e.sourceRange().endPos()
          && usedTags.add(r.startPos());
    }

    private boolean isInline(Element e) {
      Boolean known = inline.get(e);
      if (known == null) {
        known = INLINE.contains(e.normalName()) && (neverSent(e) || allInline(e));
        inline.put(e, known);
      }
      return known;
    }

    private boolean allInline(Element e) {
      for (Element c : e.children()) {
        if (!isInline(c)) {
          return false;
        }
      }
      return true;
    }

    private static boolean neverSent(Element e) {
      return NEVER_SENT.contains(e.normalName())
          || e.attr("translate").equalsIgnoreCase("no")
          || e.hasClass("notranslate");
    }

    private void add(Unit u) {
      if (u != null) {
        units.add(u);
      }
    }
  }

  /**
   * The units that nest as {@link Extraction} needs: each one either apart from the others or
   * inside a token of the unit around it. A unit that is not (only a tree that does not follow the
   * source could make one) is left out: its source stays as it is.
   */
  static List<Unit> wellNested(List<Unit> units) {
    List<Unit> sorted = new ArrayList<>(units);
    sorted.sort(Comparator.comparingInt((Unit u) -> u.start).thenComparingInt(u -> -u.end));
    List<Unit> kept = new ArrayList<>();
    Deque<Unit> open = new ArrayDeque<>();
    for (Unit u : sorted) {
      while (!open.isEmpty() && open.peek().end <= u.start) {
        open.pop();
      }
      if (open.isEmpty() || insideToken(open.peek(), u)) {
        kept.add(u);
        open.push(u);
      }
    }
    return kept;
  }

  private static boolean insideToken(Unit outer, Unit inner) {
    for (int k = 0; k < outer.tokens(); k++) {
      if (outer.tokenStart[k] <= inner.start && inner.end <= outer.tokenEnd[k]) {
        return true;
      }
    }
    return false;
  }
}
