package dev.fanout.translate.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Attribute;
import org.jsoup.nodes.Comment;
import org.jsoup.nodes.DataNode;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeTraversor;

/** What a browser would see in a document, to compare a translation's with its source's. */
final class HtmlTrees {
  /** Where text is code: compared byte for byte. */
  private static final Set<String> CODE =
      Set.of("pre", "code", "kbd", "samp", "var", "script", "style", "textarea");

  private HtmlTrees() {}

  /** Each element in document order: its depth, name, and attributes but alt and title. */
  static List<String> elements(String html) {
    List<String> out = new ArrayList<>();
    NodeTraversor.traverse(
        (node, depth) -> {
          if (node instanceof Element e) {
            StringBuilder s = new StringBuilder().append(depth).append(' ').append(e.normalName());
            for (Attribute a : e.attributes()) {
              if (!HtmlParser.TRANSLATED_ATTRIBUTES.contains(a.getKey())) {
                s.append(' ').append(a.getKey()).append("=\"").append(a.getValue()).append('"');
              }
            }
            out.add(s.toString());
          }
        },
        Jsoup.parse(html));
    return out;
  }

  /**
   * Every text, comment and script as a browser reads it, and every alt and title value, in
   * document order; outside code, in lower case when {@code foldCase} (what an upper-casing engine
   * changes).
   */
  static List<String> texts(String html, boolean foldCase) {
    List<String> out = new ArrayList<>();
    NodeTraversor.traverse(
        (node, depth) -> {
          String text = null;
          if (node instanceof TextNode t) {
            text = t.getWholeText();
          } else if (node instanceof DataNode d) {
            text = d.getWholeData();
          } else if (node instanceof Comment c) {
            text = "<!--" + c.getData() + "-->";
          }
          boolean code = inCode(node);
          if (text != null) {
            out.add(code ? "code: " + text : fold(text, foldCase));
          }
          if (node instanceof Element e) {
            for (String name : HtmlParser.TRANSLATED_ATTRIBUTES) {
              if (e.hasAttr(name)) {
                out.add(
                    name
                        + ": "
                        + fold(e.attr(name), foldCase)); // a clone in code shares its source
              }
            }
          }
        },
        Jsoup.parse(html));
    return out;
  }

  /** The text of every element that is code (pre, code, kbd...), as a browser reads it. */
  static List<String> code(String html) {
    return texts(html, false).stream().filter(t -> t.startsWith("code: ")).toList();
  }

  private static boolean inCode(Node node) {
    for (Node n = node; n != null; n = n.parent()) {
      if (n instanceof Element e && CODE.contains(e.normalName())) {
        return true;
      }
    }
    return false;
  }

  private static String fold(String s, boolean foldCase) {
    return foldCase ? s.toLowerCase(Locale.ROOT) : s;
  }
}
