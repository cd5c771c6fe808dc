package dev.fanout.translate.format;

import static dev.fanout.translate.format.FormatsTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * HTML through the format layer, on generated pages: well-formed ones (blocks and inline elements
 * nested at random, attributes in every quoting, entities, placeholders, whitespace everywhere) and
 * tag soup (tags opened and closed in any order, as the parser must repair them).
 */
class HtmlFormatPropertyTest {
  private static final Formats FORMATS = new Formats();
  private static final int TRIES = 150;

  @Property(tries = TRIES)
  void theIdentityEngineGivesBackEveryByte(@ForAll("pages") String page) throws Exception {
    assertEquals(page, run(FORMATS, DocumentFormat.HTML, page, UnaryOperator.identity()).text());
  }

  @Property(tries = TRIES)
  void anEngineChangesOnlyText(@ForAll("pages") String page) throws Exception {
    String out = assertOnlyTextChanged(page);
    assertFalse(out.contains("manual"), "every word outside code is sent: " + out);
    for (String kept : NEVER_SENT) {
      assertEquals(
          MarkdownFormatPropertyTest.count(page, kept),
          MarkdownFormatPropertyTest.count(out, kept),
          kept + " was sent: " + out);
    }
  }

  @Property(tries = TRIES)
  void tagSoupComesBackAsItWas(@ForAll("soup") String page) throws Exception {
    assertEquals(page, run(FORMATS, DocumentFormat.HTML, page, UnaryOperator.identity()).text());
    assertOnlyTextChanged(page);
  }

  @Property(tries = TRIES)
  void thePseudoBackendChangesNothingButTheWords(@ForAll("pages") String page) throws Exception {
    String out = run(FORMATS, DocumentFormat.HTML, page, FormatsTestSupport.pseudo()).text();
    assertEquals(HtmlTrees.elements(page), HtmlTrees.elements(out), out);
  }

  /**
   * What the page generator writes that is never sent, wherever it stands (placeholders, URLs,
   * character references, comments, code, text marked translate="no"): the upper-casing engine must
   * leave each as often, in its own case, as the page has it. {@link HtmlTrees#texts} folds case,
   * and HTML reads {@code &COPY} and {@code &copy} alike. Not checked on tag soup: there a comment
   * can stand inside {@code <title>}, where it is text and is sent.
   */
  private static final List<String> NEVER_SENT =
      List.of(
          "{name}",
          "{{count}}",
          "%s",
          "%1$d",
          "${HOME}",
          "https://example.org/a?b=1",
          "https://x.org/?a=1&amp;b=2",
          "&amp;",
          "#include &lt;stdio.h&gt;",
          "&copy",
          "&#233;",
          "&#xE9;",
          "&nbsp;",
          "&not",
          "<!-- a comment -->",
          "<p>old</p>",
          "Demo Inc.",
          "Ctrl-C",
          "a &lt; b",
          "cat <b>out</b>",
          "if (a < b)");

  /** Upper-cased words: the same elements, attributes and code; the same text but for case. */
  private static String assertOnlyTextChanged(String page) throws Exception {
    String out = run(FORMATS, DocumentFormat.HTML, page, FormatsTestSupport::upper).text();
    assertEquals(HtmlTrees.elements(page), HtmlTrees.elements(out), out);
    assertEquals(HtmlTrees.texts(page, true), HtmlTrees.texts(out, true), out);
    return out;
  }

  @Provide
  Arbitrary<String> pages() {
    Arbitrary<String> head =
        Arbitraries.of(
            "",
            "<!DOCTYPE html>\n",
            "<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=\"utf-8\">\n<title>The"
                + " &quot;demo&quot; manual</title>\n<style>p > b { x: 1 }</style>\n</head>\n"
                + "<body>\n");
    return Combinators.combine(head, blocks(3)).as((h, b) -> h + b);
  }

  @Provide
  Arbitrary<String> soup() {
    Arbitrary<String> tag =
        Arbitraries.of(
            "p", "div", "b", "i", "a", "code", "pre", "li", "ul", "table", "tr", "td", "span", "em",
            "title", "script", "br", "img", "h2");
    Arbitrary<String> open = Combinators.combine(tag, attributes()).as((t, a) -> "<" + t + a + ">");
    Arbitrary<String> close = tag.map(t -> "</" + t + ">");
    return Arbitraries.frequencyOf(
            tuple(3, open), tuple(3, close), tuple(4, text()), tuple(1, comment()))
        .list()
        .ofMaxSize(25)
        .map(pieces -> String.join("", pieces));
  }

  private Arbitrary<String> blocks(int depth) {
    return block(depth).list().ofMaxSize(4).map(bs -> String.join("", bs));
  }

  private Arbitrary<String> block(int depth) {
    List<Arbitrary<String>> choices = new ArrayList<>();
    choices.add(element(Arbitraries.of("p", "h2", "dd", "figcaption"), inline(2)));
    choices.add(
        Arbitraries.of(
            "<pre class=\"example\">#include &lt;stdio.h&gt;\n  if (a < b &amp;&amp; c) {}\n</pre>",
            "<pre>  $ make &gt; out\n\n  cat <b>out</b>\n</pre>",
            "<script>if (a < b) { x = \"<p>\"; }</script>"));
    choices.add(comment());
    choices.add(whitespace());
    if (depth > 0) {
      Arbitrary<String> inner = Arbitraries.lazy(() -> blocks(depth - 1));
      Arbitrary<String> mixed =
          Combinators.combine(inline(1), inner, inline(1)).as((a, b, c) -> a + b + c);
      choices.add(element(Arbitraries.of("div", "blockquote", "section", "li"), mixed));
      choices.add(element(Arbitraries.just("ul"), element(Arbitraries.just("li"), mixed)));
      Arbitrary<String> cell = element(Arbitraries.of("td", "th"), mixed);
      choices.add(
          element(
              Arbitraries.just("table"),
              element(
                  Arbitraries.just("tr"),
                  cell.list().ofMaxSize(3).map(cs -> String.join("", cs)))));
    }
    return Combinators.combine(Arbitraries.oneOf(choices), whitespace()).as((b, w) -> b + w);
  }

  /** Text and inline elements, nested {@code depth} deep at most. */
  private Arbitrary<String> inline(int depth) {
    List<Arbitrary<String>> choices = new ArrayList<>();
    choices.add(text());
    choices.add(text());
    choices.add(
        Combinators.combine(Arbitraries.of("br", "img", "input", "wbr"), attributes())
            .as((t, a) -> "<" + t + a + ">"));
    choices.add(comment());
    choices.add(
        Arbitraries.of(
            "<code>a &lt; b</code>",
            "<kbd>Ctrl-C</kbd>",
            "<span translate=\"no\">Demo Inc.</span>",
            "<var>n</var>"));
    if (depth > 0) {
      choices.add(
          element(
              Arbitraries.of("b", "i", "em", "strong", "a", "span", "abbr", "small", "button"),
              Arbitraries.lazy(() -> inline(depth - 1))));
    }
    return Arbitraries.oneOf(choices).list().ofMaxSize(5).map(is -> String.join("", is));
  }

  private Arbitrary<String> element(Arbitrary<String> names, Arbitrary<String> content) {
    return Combinators.combine(names, attributes(), content)
        .as((n, a, c) -> "<" + n + a + ">" + c + "</" + n + ">");
  }

  /** Zero to three attributes, alt and title among them, each in any quoting. */
  private Arbitrary<String> attributes() {
    Arbitrary<String> name = Arbitraries.of("alt", "title", "href", "class", "id", "data-x");
    Arbitrary<String> value =
        Arbitraries.of(
            "Hello",
            "The demo logo",
            "Fish &amp; chips",
            "a \"quoted\" word",
            "it's {name}",
            "https://x.org/?a=1&amp;b=2",
            "&copy 2024",
            "",
            "line one\n  line two");
    Arbitrary<String> attribute =
        Combinators.combine(name, value, Arbitraries.of('"', '\'', ' '))
            .as(HtmlFormatPropertyTest::attribute);
    return attribute.list().ofMaxSize(3).map(as -> String.join("", as));
  }

  private static String attribute(String name, String value, char quote) {
    if (quote == ' '
        && !value.isEmpty()
        && value.chars().noneMatch(c -> " \n\"'=<>`".indexOf(c) >= 0)) {
      return " " + name + "=" + value;
    }
    char q = quote == ' ' || value.indexOf('"') >= 0 ? '\'' : quote;
    return " " + name + "=" + q + (q == '\'' ? value.replace("'", "&#39;") : value) + q;
  }

  private Arbitrary<String> text() {
    Arbitrary<String> word =
        Arbitraries.of(
            "the",
            "manual",
            "Run",
            "é",
            "{name}",
            "{{count}}",
            "%s",
            "%1$d",
            "${HOME}",
            "https://example.org/a?b=1",
            "&amp;",
            "&lt;stdio.h&gt;",
            "&copy",
            "&#233;",
            "&#xE9;",
            "&nbsp;",
            "&notit;",
            "R&D",
            "a < b",
            "x > y",
            "&",
            "AT&T;",
            "50%",
            "⟦1⟧",
            "\"q\"",
            "it's");
    Arbitrary<String> space = Arbitraries.of(" ", " ", " ", "\n", "\n    ", "\t", "\r\n", "  ");
    return Combinators.combine(word, space)
        .as((w, s) -> w + s)
        .list()
        .ofMinSize(1)
        .ofMaxSize(6)
        .map(ws -> String.join("", ws));
  }

  private Arbitrary<String> whitespace() {
    return Arbitraries.of("", "\n", "\n\n", "  \n", "\r\n");
  }

  private Arbitrary<String> comment() {
    return Arbitraries.of("<!-- a comment -->", "<!--\n<p>old</p>\n-->");
  }

  private static <T> net.jqwik.api.Tuple.Tuple2<Integer, Arbitrary<? extends T>> tuple(
      int weight, Arbitrary<? extends T> a) {
    return net.jqwik.api.Tuple.of(weight, a);
  }
}
