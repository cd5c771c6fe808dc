package dev.fanout.translate.format;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.commonmark.ext.gfm.tables.TableCell;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.Code;
import org.commonmark.node.Heading;
import org.commonmark.node.HtmlInline;
import org.commonmark.node.Image;
import org.commonmark.node.Link;
import org.commonmark.node.LinkReferenceDefinition;
import org.commonmark.node.Node;
import org.commonmark.node.Paragraph;
import org.commonmark.node.SourceSpan;
import org.commonmark.node.Text;
import org.commonmark.parser.IncludeSourceSpans;
import org.commonmark.parser.Parser;

/**
 * Markdown (CommonMark with GitHub tables) taken apart with commonmark-java's source positions.
 *
 * <p>Units: paragraphs, headings and table cells, wherever they stand (lists, block quotes), link
 * and image titles, and front-matter values ({@link FrontMatter}). Inside a unit, only {@code Text}
 * nodes are words; everything between them is markup and travels as tokens: emphasis delimiters, a
 * link's {@code [} and {@code ](target)}, inline code, inline HTML, hard breaks, backslash escapes
 * and character references. An image's alt text is words. Never sent: fenced and indented code,
 * HTML blocks, link reference definitions, autolinks, thematic breaks.
 *
 * <p>In-page links: translating a heading changes the anchor GitHub gives it, so after assembly
 * every link to {@code #anchor} that pointed at a heading of the source is pointed at the same
 * heading's new anchor (GitHub's rule: lower case, punctuation dropped, spaces to hyphens, {@code
 * -1}, {@code -2}... for repeats). A link to an anchor that matched no heading in the source is
 * left as it was; if the output's headings cannot be matched one to one with the source's, links
 * are left alone and a warning says so.
 */
final class MarkdownParser {
  private static final Parser PARSER =
      Parser.builder()
          .includeSourceSpans(IncludeSourceSpans.BLOCKS_AND_INLINES)
          .extensions(List.of(TablesExtension.create()))
          .build();

  /** {@code ](target "title")} at the end of a link: the title's quotes and where it is. */
  private static final Pattern TITLE =
      Pattern.compile(
          "\\]\\(\\s*(?:<[^>\\n]*>|[^\\s()]+(?:\\([^\\s()]*\\))?[^\\s()]*)\\s+"
              + "(\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|\\((?:[^()\\\\]|\\\\.)*\\))\\s*\\)$",
          Pattern.DOTALL);

  private MarkdownParser() {}

  static Extraction parse(String source, Set<String> frontMatterKeys, Protection base) {
    Protection protection = Protection.markdown(base);
    List<Unit> units = new ArrayList<>();
    int body = FrontMatter.scan(source, frontMatterKeys, protection, units::add);
    Node doc = PARSER.parse(source.substring(body));
    Walker walker = new Walker(source, body, protection, units);
    walker.blocks(doc);
    if (!walker.inPageLinks) {
      return new Extraction(source, units, null); // nothing to follow: no second parse
    }
    List<String> sourceSlugs = slugs(doc);
    return new Extraction(source, units, out -> Anchors.follow(source, body, sourceSlugs, out));
  }

  /** Walks the blocks of one document and builds its units. */
  private static final class Walker {
    private final String source;
    private final int offset; // where the parsed body starts in the source
    private final Protection protection;
    private final List<Unit> units;
    private boolean inPageLinks; // a link or definition to "#anchor": Anchors has work to do

    Walker(String source, int offset, Protection protection, List<Unit> units) {
      this.source = source;
      this.offset = offset;
      this.protection = protection;
      this.units = units;
    }

    void blocks(Node node) {
      for (Node n = node.getFirstChild(); n != null; n = n.getNext()) {
        if (n instanceof TableCell && escapedPipe(n)) {
          cellAlone(n);
        } else if (n instanceof Paragraph || n instanceof Heading || n instanceof TableCell) {
          leafBlock(n);
        } else {
          if (n instanceof LinkReferenceDefinition d && d.getDestination().startsWith("#")) {
            inPageLinks = true;
          }
          blocks(n); // containers: documents, lists, items, quotes, tables; leaves have no children
        }
      }
    }

    /** Whether a table cell's source holds {@code \|}. */
    private boolean escapedPipe(Node cell) {
      int[] sp = span(cell);
      return sp != null && source.substring(sp[0], sp[1]).contains("\\|");
    }

    /**
     * A cell with an escaped pipe, parsed on its own: the tables extension takes the backslash out
     * before it parses the cell, so the positions it gives inside such a cell are off by one per
     * escape (and a code span's backtick could be taken for a word). Alone, the cell's source is
     * the text that is parsed, and {@code \|} an escape like any other.
     */
    private void cellAlone(Node cell) {
      int[] sp = span(cell);
      int a = sp[0];
      int b = sp[1];
      while (a < b && Character.isWhitespace(source.charAt(a))) {
        a++;
      }
      while (b > a && Character.isWhitespace(source.charAt(b - 1))) {
        b--;
      }
      Walker alone = new Walker(source, a, protection, units);
      alone.blocks(PARSER.parse(source.substring(a, b)));
      inPageLinks |= alone.inPageLinks;
    }

    /** One paragraph, heading or cell: its inline content as one unit. */
    private void leafBlock(Node block) {
      List<int[]> pieces = new ArrayList<>(); // {start, end, 1 = words / 0 = token}
      List<int[]> pairs = new ArrayList<>();
      for (Node n = block.getFirstChild(); n != null; n = n.getNext()) {
        inline(n, pieces, pairs);
      }
      if (pieces.isEmpty()) {
        return;
      }
      pieces.sort(Comparator.comparingInt(p -> p[0]));
      UnitBuilder b = new UnitBuilder(source, protection);
      int first = Integer.MAX_VALUE;
      int last = -1;
      for (Node n = block.getFirstChild(); n != null; n = n.getNext()) {
        int[] sp = span(n);
        if (sp != null) {
          first = Math.min(first, sp[0]);
          last = Math.max(last, sp[1]);
        }
      }
      int cursor = Math.min(first, pieces.get(0)[0]);
      for (int[] p : pieces) {
        if (p[0] > cursor) {
          b.gap(cursor, p[0]);
        }
        if (p[2] == 1) {
          b.text(p[0], p[1]);
        } else {
          b.token(p[0], p[1]);
        }
        cursor = Math.max(cursor, p[1]);
      }
      if (last > cursor) {
        b.gap(cursor, last);
      }
      for (int[] p : pairs) {
        b.pair(p[0], p[1]);
      }
      Unit u = b.build();
      if (u != null) {
        units.add(u);
      }
    }

    /** Collects an inline node's words and tokens, and its delimiters' pair. */
    private void inline(Node n, List<int[]> pieces, List<int[]> pairs) {
      int[] span = span(n);
      if (span == null) {
        return; // soft and hard line breaks: the gap between their neighbours carries them
      }
      if (n instanceof Link l && l.getDestination().startsWith("#")) {
        inPageLinks = true;
      }
      if (n instanceof Text) {
        for (SourceSpan s : n.getSourceSpans()) {
          pieces.add(
              new int[] {
                offset + s.getInputIndex(), offset + s.getInputIndex() + s.getLength(), 1
              });
        }
      } else if (n instanceof Code || n instanceof HtmlInline) {
        pieces.add(new int[] {span[0], span[1], 0});
      } else if ((n instanceof Link || n instanceof Image) && source.charAt(span[0]) == '<') {
        pieces.add(new int[] {span[0], span[1], 0}); // an autolink: never sent
      } else if ((n instanceof Link || n instanceof Image) && labelIsText(n, span)) {
        // [text] and [text][]: the words are the reference's label, so translating them would
        // break the link; they stay as they are.
        pieces.add(new int[] {span[0], span[1], 0});
      } else if (n.getFirstChild() == null) {
        pieces.add(new int[] {span[0], span[1], 0}); // anything else without words
      } else {
        pairs.add(new int[] {span[0], span[1] - 1});
        for (Node c = n.getFirstChild(); c != null; c = c.getNext()) {
          inline(c, pieces, pairs);
        }
        if (n instanceof Link || n instanceof Image) {
          title(span(n.getLastChild()), span);
        }
      }
    }

    /** Whether a link is a shortcut ({@code [text]}) or collapsed ({@code [text][]}) reference. */
    private boolean labelIsText(Node link, int[] span) {
      int[] last = span(link.getLastChild());
      if (last == null) {
        return false;
      }
      String rest = source.substring(last[1], span[1]);
      return rest.equals("]") || rest.equals("][]");
    }

    /** A link's or image's title, as a unit of its own (restored inside the link's token). */
    private void title(int[] lastChild, int[] link) {
      if (lastChild == null) {
        return;
      }
      int q = link[1] - 2; // before the closing ')': a title ends in a quote or a parenthesis
      while (q > lastChild[1] && Character.isWhitespace(source.charAt(q))) {
        q--;
      }
      char c = source.charAt(q);
      if (source.charAt(link[1] - 1) != ')' || (c != '"' && c != '\'' && c != ')')) {
        return;
      }
      Matcher m = TITLE.matcher(source).region(lastChild[1], link[1]);
      if (!m.lookingAt()) {
        return;
      }
      Unit u = new UnitBuilder(source, protection).text(m.start(1) + 1, m.end(1) - 1).build();
      if (u != null) {
        units.add(u);
      }
    }

    /** {@code [start, end)} of a node in the whole source, or null when it has no span. */
    private int[] span(Node n) {
      return MarkdownParser.span(n, offset);
    }
  }

  /**
   * {@code [start, end)} of a node in a text where the parsed part starts at {@code offset}, or
   * null when it has no span (soft and hard line breaks have none).
   */
  private static int[] span(Node n, int offset) {
    if (n == null || n.getSourceSpans().isEmpty()) {
      return null;
    }
    List<SourceSpan> spans = n.getSourceSpans();
    SourceSpan a = spans.get(0);
    SourceSpan z = spans.get(spans.size() - 1);
    return new int[] {offset + a.getInputIndex(), offset + z.getInputIndex() + z.getLength()};
  }

  /** The GitHub anchors of a document's headings, in order. */
  static List<String> slugs(Node doc) {
    List<String> out = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    collect(doc, out, seen);
    return out;
  }

  private static void collect(Node n, List<String> out, Map<String, Integer> seen) {
    for (Node c = n.getFirstChild(); c != null; c = c.getNext()) {
      if (c instanceof Heading) {
        StringBuilder text = new StringBuilder();
        plainText(c, text);
        String base = slug(text.toString());
        int k = seen.merge(base, 1, Integer::sum) - 1;
        out.add(k == 0 ? base : base + "-" + k);
      } else {
        collect(c, out, seen);
      }
    }
  }

  private static void plainText(Node n, StringBuilder out) {
    for (Node c = n.getFirstChild(); c != null; c = c.getNext()) {
      if (c instanceof Text t) {
        out.append(t.getLiteral());
      } else if (c instanceof Code code) {
        out.append(code.getLiteral());
      } else {
        plainText(c, out);
      }
    }
  }

  /** GitHub's anchor for a heading's text. */
  static String slug(String text) {
    StringBuilder out = new StringBuilder(text.length());
    text.strip()
        .toLowerCase(Locale.ROOT)
        .codePoints()
        .forEach(
            cp -> {
              if (Character.isLetterOrDigit(cp) || cp == '-' || cp == '_') {
                out.appendCodePoint(cp);
              } else if (cp == ' ') {
                out.append('-');
              }
            });
    return out.toString();
  }

  /** Re-points in-page links at translated headings; see the class description. */
  static final class Anchors {
    private Anchors() {}

    static Extraction.Assembled follow(
        String source, int body, List<String> sourceSlugs, String out) {
      int outBody = FrontMatter.scan(out, Set.of(), Protection.TEXT, u -> {});
      Node doc = PARSER.parse(out.substring(outBody));
      List<String> outSlugs = slugs(doc);
      Map<String, String> moved = new HashMap<>();
      boolean matched = outSlugs.size() == sourceSlugs.size();
      if (matched) {
        for (int i = 0; i < outSlugs.size(); i++) {
          if (!outSlugs.get(i).equals(sourceSlugs.get(i))) {
            moved.putIfAbsent(sourceSlugs.get(i), outSlugs.get(i));
          }
        }
      }
      List<int[]> targets = new ArrayList<>(); // {start, end} of "old" in "#old", in the output
      List<String> replacements = new ArrayList<>();
      List<String> warnings = new ArrayList<>();
      find(doc, out, outBody, moved, targets, replacements, warnings, matched);
      if (targets.isEmpty()) {
        return new Extraction.Assembled(out, List.copyOf(warnings));
      }
      StringBuilder fixed = new StringBuilder(out.length() + 16);
      int cursor = 0;
      for (int i = 0; i < targets.size(); i++) {
        fixed.append(out, cursor, targets.get(i)[0]).append(replacements.get(i));
        cursor = targets.get(i)[1];
      }
      fixed.append(out, cursor, out.length());
      return new Extraction.Assembled(fixed.toString(), List.copyOf(warnings));
    }

    /** Where a node's source ends in the output, or -1 when it has no span. */
    private static int end(Node n, int offset) {
      int[] span = span(n, offset);
      return span == null ? -1 : span[1];
    }

    private static void find(
        Node n,
        String out,
        int offset,
        Map<String, String> moved,
        List<int[]> targets,
        List<String> replacements,
        List<String> warnings,
        boolean matched) {
      for (Node c = n.getFirstChild(); c != null; c = c.getNext()) {
        String destination =
            c instanceof Link l
                ? l.getDestination()
                : c instanceof LinkReferenceDefinition d ? d.getDestination() : null;
        if (destination != null && destination.startsWith("#") && !c.getSourceSpans().isEmpty()) {
          String anchor = destination.substring(1);
          String to = moved.get(anchor);
          if (!matched) {
            warnings.add(
                "the in-page link to #"
                    + anchor
                    + " was left as it was: the output's headings could not be matched with the"
                    + " source's");
          } else if (to != null) {
            int start = offset + c.getSourceSpans().get(0).getInputIndex();
            int end = end(c, offset);
            // The target follows the link's text (its last child) or the definition's label, and
            // comes before its title, which may hold "#anchor" too.
            int from = c instanceof Link ? end(c.getLastChild(), offset) : out.indexOf("]:", start);
            int at = out.indexOf("#" + anchor, from < 0 ? start : from);
            if (at >= 0 && at + 1 + anchor.length() <= end) {
              targets.add(new int[] {at + 1, at + 1 + anchor.length()});
              replacements.add(to);
            }
          }
        }
        find(c, out, offset, moved, targets, replacements, warnings, matched);
      }
    }
  }
}
