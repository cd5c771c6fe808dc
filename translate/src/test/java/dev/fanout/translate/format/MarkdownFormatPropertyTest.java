package dev.fanout.translate.format;

import static dev.fanout.translate.format.FormatsTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Markdown through the format layer, on generated documents: front matter, headings, paragraphs
 * with soft breaks, lists and block quotes nested, tables, fenced and indented code, HTML blocks,
 * and inline code, links with titles, images, emphasis, autolinks, escapes, character references
 * and placeholders mixed into the words at random.
 *
 * <p>Words that should be sent are drawn from one vocabulary and everything that must not be sent
 * (code, targets, HTML, other front-matter values) is written with the word {@code manual}, so an
 * engine that upper-cases what it is sent shows both what was sent and what was not.
 */
class MarkdownFormatPropertyTest {
  private static final Formats FORMATS = new Formats();
  private static final int TRIES = 200;
  private static final List<String> WORDS =
      List.of("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel");

  @Property(tries = TRIES)
  void theIdentityEngineGivesBackEveryByte(@ForAll("documents") String doc) throws Exception {
    assertEquals(doc, run(FORMATS, DocumentFormat.MARKDOWN, doc, UnaryOperator.identity()).text());
  }

  @Property(tries = TRIES)
  void anEngineChangesOnlyTheWords(@ForAll("documents") String doc) throws Exception {
    String out = run(FORMATS, DocumentFormat.MARKDOWN, doc, FormatsTestSupport::upper).text();
    // the same bytes but for the case of letters...
    assertEquals(doc.toLowerCase(Locale.ROOT), out.toLowerCase(Locale.ROOT), out);
    // ...and nothing that must not be sent was: case and all (placeholders, other keys' values)...
    assertEquals(count(doc, "manual"), count(out, "manual"), "manual was sent: " + out);
    // ...the same code, targets, raw HTML and block structure, as CommonMark reads them...
    assertEquals(MarkdownTrees.kept(doc), MarkdownTrees.kept(out), out);
    // ...and every word that is prose was sent
    for (String w : WORDS) {
      assertFalse(out.contains(w), w + " was not sent: " + out);
    }
  }

  @Property(tries = TRIES)
  void thePseudoBackendChangesNothingButTheWords(@ForAll("documents") String doc) throws Exception {
    String out = run(FORMATS, DocumentFormat.MARKDOWN, doc, FormatsTestSupport.pseudo()).text();
    assertEquals(MarkdownTrees.kept(doc), MarkdownTrees.kept(out), out);
    for (String w : WORDS) {
      assertFalse(out.contains(w), w + " was not sent: " + out);
    }
  }

  static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  // ---- generated documents ----

  @Provide
  Arbitrary<String> documents() {
    // Values that need quotes once changed (YES, -V FLAG) are written in capitals, which the
    // upper-casing engine gives back unchanged: so every engine here must give them back as they
    // were, with no quotes added.
    Arbitrary<String> front =
        Arbitraries.of(
            "",
            "---\ntitle: %s\nlayout: manual\n---\n",
            "---\ntitle: \"%s\"\ndescription: %s\ntags: [manual, manual]\n---\n\n",
            "---\ntitle: \"%s\" # manual comment\ndescription: %s # manual\n---\n",
            "---\ntitle: '%s' # manual\ndescription: YES\nlayout: manual # manual\n---\n%s\n",
            "---\ntitle: NO\ndescription: -V FLAG\n---\n%s %s\n");
    return Combinators.combine(front, words(4), words(4), blocks(2))
        .as((f, w1, w2, b) -> f.formatted(w1, w2) + b);
  }

  private Arbitrary<String> blocks(int depth) {
    return block(depth).list().ofMinSize(1).ofMaxSize(5).map(bs -> String.join("\n", bs));
  }

  private Arbitrary<String> block(int depth) {
    List<Arbitrary<String>> kinds = new ArrayList<>();
    kinds.add(inline().map(s -> s + "\n"));
    kinds.add(
        Combinators.combine(Arbitraries.integers().between(1, 3), inline())
            .as((level, s) -> "#".repeat(level) + " " + s.replace('\n', ' ') + "\n"));
    // an HTML comment ends a list before it, which would take the indented code for a paragraph
    kinds.add(
        Arbitraries.of("```sh\nmanual --flag {x} `y`\n```\n", "<!-- -->\n\n    manual code\n"));
    kinds.add(Arbitraries.of("<div align=\"center\">manual *html*</div>\n", "---\n"));
    kinds.add(
        Combinators.combine(words(2), inline(), words(2))
            .as(
                (h1, cell, c2) ->
                    "| "
                        + h1
                        + " | golf |\n|---|:--:|\n| "
                        + cell.replace('\n', ' ').replaceAll("(?<!\\\\)\\|", "\\\\|")
                        + " | `manual` |\n| "
                        + c2
                        + " | x |\n"));
    if (depth > 0) {
      kinds.add(blocks(depth - 1).map(b -> indent(b, "> ")));
      kinds.add(
          Combinators.combine(Arbitraries.of("- ", "* ", "1. "), inline(), blocks(depth - 1))
              .as(
                  (marker, first, rest) ->
                      marker
                          + first.replace("\n", "\n" + " ".repeat(marker.length()))
                          + "\n\n"
                          + indent(rest, " ".repeat(marker.length()))));
    }
    return Arbitraries.oneOf(kinds);
  }

  private static String indent(String block, String prefix) {
    StringBuilder out = new StringBuilder();
    for (String line : block.split("\n", -1)) {
      if (!out.isEmpty()) {
        out.append('\n');
      }
      out.append(line.isEmpty() ? prefix.strip() : prefix + line);
    }
    return out.toString();
  }

  /** A run of words with inline pieces between them; never empty of words. */
  private Arbitrary<String> inline() {
    Arbitrary<String> piece =
        Arbitraries.frequencyOf(
            tuple(6, words(3)),
            tuple(1, Arbitraries.just("`manual x`")),
            tuple(1, words(2).map(w -> "[" + w + "](https://example.org/manual)")),
            tuple(1, words(2).map(w -> "[" + w + "](manual.md \"" + w + "\")")),
            tuple(1, words(1).map(w -> "![" + w + "](manual.png)")),
            tuple(1, words(2).map(w -> "**" + w + "**")),
            tuple(1, words(2).map(w -> "*" + w + "*")),
            tuple(1, Arbitraries.of("<https://manual.example>", "https://manual.example/x")),
            tuple(
                1,
                Arbitraries.of(
                    "\\*",
                    "\\|",
                    "&amp;",
                    "&#233;",
                    "{manual}",
                    "%1$s",
                    "${MANUAL}",
                    "www.manual.org")),
            tuple(1, words(2).map(w -> "<kbd>" + w + "</kbd>")), // tags kept, words sent
            tuple(1, Arbitraries.just("\n")));
    return Combinators.combine(words(2), piece.list().ofMaxSize(6), Arbitraries.of(".", "!", ""))
        .as(
            (first, rest, end) -> {
              StringBuilder s = new StringBuilder(first);
              for (String p : rest) {
                s.append(p.equals("\n") ? "\n" : " " + p);
              }
              return s.toString().replaceAll(" *\n *", "\n").strip() + end;
            });
  }

  private static Arbitrary<String> words(int most) {
    return Arbitraries.of(WORDS)
        .list()
        .ofMinSize(1)
        .ofMaxSize(most)
        .map(ws -> String.join(" ", ws));
  }

  private static net.jqwik.api.Tuple.Tuple2<Integer, Arbitrary<? extends String>> tuple(
      int weight, Arbitrary<? extends String> a) {
    return net.jqwik.api.Tuple.of(weight, a);
  }
}
