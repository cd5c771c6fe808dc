package dev.fanout.translate.format;

import java.util.ArrayList;
import java.util.List;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.Code;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.HtmlBlock;
import org.commonmark.node.HtmlInline;
import org.commonmark.node.Image;
import org.commonmark.node.IndentedCodeBlock;
import org.commonmark.node.Link;
import org.commonmark.node.Node;
import org.commonmark.node.SoftLineBreak;
import org.commonmark.node.Text;
import org.commonmark.parser.Parser;

/** What of a Markdown document must survive translation, as CommonMark reads it (for tests). */
public final class MarkdownTrees {
  private static final Parser PARSER =
      Parser.builder().extensions(List.of(TablesExtension.create())).build();

  private MarkdownTrees() {}

  /**
   * What must come back byte for byte, in order: the kinds of blocks and inline nodes, code blocks,
   * inline code, link and image targets (in-page anchors aside: they follow their headings), raw
   * HTML.
   */
  public static List<String> kept(String markdown) {
    List<String> out = new ArrayList<>();
    walk(PARSER.parse(markdown), out);
    return out;
  }

  private static void walk(Node n, List<String> out) {
    for (Node c = n.getFirstChild(); c != null; c = c.getNext()) {
      if (!(c instanceof Text) && !(c instanceof SoftLineBreak)) {
        out.add(c.getClass().getSimpleName());
      }
      switch (c) {
        case FencedCodeBlock f -> out.add("fenced " + f.getInfo() + ": " + f.getLiteral());
        case IndentedCodeBlock i -> out.add("indented: " + i.getLiteral());
        case Code code -> out.add("code: " + code.getLiteral());
        case Link l ->
            out.add("link: " + (l.getDestination().startsWith("#") ? "#" : l.getDestination()));
        case Image i -> out.add("image: " + i.getDestination());
        case HtmlBlock h -> out.add("html: " + h.getLiteral());
        case HtmlInline h -> out.add("html: " + h.getLiteral());
        default -> {}
      }
      walk(c, out);
    }
  }
}
