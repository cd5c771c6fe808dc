package dev.fanout.translate.format;

import static dev.fanout.translate.format.FormatsTestSupport.run;
import static dev.fanout.translate.format.FormatsTestSupport.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Markdown through the format layer: what is sent, and what comes back byte for byte. */
class MarkdownFormatTest {
  private static final Formats FORMATS = new Formats();
  private static final String DOC =
      """
      ---
      title: Getting started
      layout: page
      description: "How to \\"start\\" quickly"
      ---
      # Install `fanout` {name}

      Run [the installer](https://x.org/a "The installer") and **read
      the notes** first, \\*really\\* &amp; truly.

      > quoted *line one
      > line two*

      - item `git clone https://x` one
      - item two ![alt text](img.png)

      | a | b |
      |---|---|
      | cell one | `c` |

      ```sh
      git clone https://example.org/repo
      cargo build --release
      ```

          indented code stays

      <div align="center">Raw *html*</div>

      See [the install](#install-fanout-name) and <https://auto.link> or https://bare.example/x.

      [ref]: https://example.org
      """;

  @Test
  void theIdentityEngineGivesBackEveryByte() throws Exception {
    assertEquals(DOC, run(FORMATS, DocumentFormat.MARKDOWN, DOC, UnaryOperator.identity()).text());
  }

  @Test
  void onlyWordsAreSentAndEverythingElseTravelsAsTokens() {
    List<String> sent = texts(FORMATS, DocumentFormat.MARKDOWN, DOC);
    assertEquals(
        List.of(
            "Getting started",
            "How to ⟦1⟧ start ⟦2⟧ quickly", // the YAML escapes \" stay; glued tokens get a space
            "Install ⟦1⟧ ⟦2⟧",
            "Run ⟦1⟧ the installer ⟦2⟧ and ⟦3⟧ read\nthe notes ⟦4⟧ first, ⟦5⟧ really ⟦6⟧ ⟦7⟧ truly.",
            "The installer",
            "quoted ⟦1⟧ line one\nline two ⟦2⟧",
            "item ⟦1⟧ one",
            "item two ⟦1⟧ alt text ⟦2⟧",
            "a",
            "b",
            "cell one",
            "See ⟦1⟧ the install ⟦2⟧ and ⟦3⟧ or ⟦4⟧."),
        sent);
  }

  @Test
  void wordsAreTranslatedAndCodeLinksAndMarkupStay() throws Exception {
    String out = run(FORMATS, DocumentFormat.MARKDOWN, DOC, FormatsTestSupport::upper).text();
    assertTrue(out.contains("title: GETTING STARTED\nlayout: page\n"), out);
    assertTrue(out.contains("description: \"HOW TO \\\"START\\\" QUICKLY\""), out);
    assertTrue(out.contains("# INSTALL `fanout` {name}\n"), out);
    assertTrue(
        out.contains(
            "RUN [THE INSTALLER](https://x.org/a \"THE INSTALLER\") AND **READ\nTHE NOTES**"),
        out);
    assertTrue(out.contains("\\*REALLY\\* &amp; TRULY."), out);
    assertTrue(out.contains("> QUOTED *LINE ONE\n> LINE TWO*"), out);
    assertTrue(out.contains("- ITEM `git clone https://x` ONE"), out);
    assertTrue(out.contains("![ALT TEXT](img.png)"), out);
    assertTrue(out.contains("| CELL ONE | `c` |"), out);
    assertTrue(out.contains("git clone https://example.org/repo\ncargo build --release\n"), out);
    assertTrue(out.contains("    indented code stays\n"), out);
    assertTrue(out.contains("<div align=\"center\">Raw *html*</div>"), out);
    assertTrue(out.contains("<https://auto.link> OR https://bare.example/x."), out);
    assertTrue(out.contains("[ref]: https://example.org"), out);
  }

  @Test
  void anInPageLinkFollowsItsTranslatedHeading() throws Exception {
    String out = run(FORMATS, DocumentFormat.MARKDOWN, DOC, FormatsTestSupport::upper).text();
    // "# INSTALL `fanout` {name}" -> GitHub anchor "install-fanout-name" (lower-cased): unchanged
    assertTrue(out.contains("(#install-fanout-name)"), out);
    String doc = "## Adding new subcommands\n\nSee [below](#adding-new-subcommands).\n";
    String translated =
        run(
                FORMATS,
                DocumentFormat.MARKDOWN,
                doc,
                t -> t.replace("Adding new subcommands", "Añadir subórdenes"))
            .text();
    assertEquals("## Añadir subórdenes\n\nSee [below](#añadir-subórdenes).\n", translated);
  }

  @Test
  void anInPageLinkWithATitleNamingTheAnchorHasItsTargetRepointed() throws Exception {
    String doc =
        "## Intro\n\nSee [the #intro](#intro \"see #intro\") and [x][d].\n\n"
            + "[d]: #intro \"also #intro\"\n";
    String out =
        run(FORMATS, DocumentFormat.MARKDOWN, doc, t -> t.replace("Intro", "Einleitung")).text();
    assertEquals(
        "## Einleitung\n\nSee [the #intro](#einleitung \"see #intro\") and [x][d].\n\n"
            + "[d]: #einleitung \"also #intro\"\n",
        out);
  }

  @Test
  void aLostTokenFailsWithItsNameAndLine() {
    FormatException e =
        assertThrows(
            FormatException.class,
            () ->
                run(
                    FORMATS,
                    DocumentFormat.MARKDOWN,
                    "Intro.\n\nRun `git clone x` now.\n",
                    t -> t.replace("⟦1⟧", "git Clon x")));
    assertEquals("token_lost", e.reason());
    assertTrue(e.getMessage().contains("line 3"), e.getMessage());
    assertTrue(e.getMessage().contains("`git clone x`"), e.getMessage());
  }

  @Test
  void aRepeatedOrUnknownTokenOrATurnedPairFails() {
    assertEquals(
        "token_repeated",
        assertThrows(
                FormatException.class,
                () -> run(FORMATS, DocumentFormat.MARKDOWN, "Run `a` now.\n", t -> t + " ⟦1⟧"))
            .reason());
    assertEquals(
        "token_unexpected",
        assertThrows(
                FormatException.class,
                () -> run(FORMATS, DocumentFormat.MARKDOWN, "Run `a` now.\n", t -> t + " ⟦9⟧"))
            .reason());
    assertEquals(
        "token_order",
        assertThrows(
                FormatException.class,
                () ->
                    run(
                        FORMATS,
                        DocumentFormat.MARKDOWN,
                        "See [the docs](x.md).\n",
                        t -> "⟦2⟧the docs⟦1⟧ see."))
            .reason());
  }

  @Test
  void placeholdersStay() {
    assertEquals(
        List.of("Hello ⟦1⟧, you have ⟦2⟧ and ⟦3⟧ and ⟦4⟧ and ⟦5⟧ at 50% off."),
        texts(
            FORMATS,
            DocumentFormat.MARKDOWN,
            "Hello {{user}}, you have {count, plural, one {# file} other {# files}} and %1$s and"
                + " ${HOME} and %d at 50% off.\n"));
  }

  @Test
  void aHeadingOfCodeAloneIsNotSent() {
    assertEquals(List.of(), texts(FORMATS, DocumentFormat.MARKDOWN, "# `fanout`\n\n```\nx\n```\n"));
  }

  @Test
  void frontMatterValuesKeepParsingWhenTheirTranslationNeedsQuotes() throws Exception {
    String doc = "---\ntitle: Start\n---\nBody.\n";
    String out =
        run(FORMATS, DocumentFormat.MARKDOWN, doc, t -> t.equals("Start") ? "Inicio: guía" : t)
            .text();
    assertEquals("---\ntitle: \"Inicio: guía\"\n---\nBody.\n", out);
  }

  @Test
  void frontMatterValuesComeBackAsTheyWereWhenTheAnswerIsTheSource() throws Exception {
    String doc =
        """
        ---
        title: Yes
        description: No
        summary: -v flag
        ---
        Body.
        """;
    Formats formats =
        new Formats(java.util.Set.of("title", "description", "summary"), Protection.TEXT);
    assertEquals(
        List.of("Yes", "No", "-v flag", "Body."), texts(formats, DocumentFormat.MARKDOWN, doc));
    assertEquals(doc, run(formats, DocumentFormat.MARKDOWN, doc, UnaryOperator.identity()).text());
    // a new answer that would read as something else than a string is quoted
    assertEquals(
        doc.replace("title: Yes", "title: \"YES\"")
            .replace("description: No", "description: \"NO\"")
            .replace("summary: -v flag", "summary: \"-V FLAG\"")
            .replace("Body.", "BODY."),
        run(formats, DocumentFormat.MARKDOWN, doc, FormatsTestSupport::upper).text());
  }

  @Test
  void aCommentAfterAFrontMatterValueIsNeitherSentNorQuoted() throws Exception {
    String doc =
        """
        ---
        title: "Intro" # page title
        description: 'It''s short'	# shown # twice
        layout: page # Plain # comment
        summary: Plain words # a comment
        note: # only a comment
        ---
        Body.
        """;
    Formats formats =
        new Formats(java.util.Set.of("title", "description", "summary", "note"), Protection.TEXT);
    assertEquals(
        List.of("Intro", "It''s short", "Plain words", "Body."),
        texts(formats, DocumentFormat.MARKDOWN, doc));
    assertEquals(doc, run(formats, DocumentFormat.MARKDOWN, doc, UnaryOperator.identity()).text());
    assertEquals(
        doc.replace("\"Intro\"", "\"INTRO\"")
            .replace("'It''s short'", "'IT''S SHORT'")
            .replace("Plain words", "PLAIN WORDS")
            .replace("Body.", "BODY."),
        run(formats, DocumentFormat.MARKDOWN, doc, FormatsTestSupport::upper).text());
  }

  @Test
  void spacesAnEngineAddsAroundDelimitersAreTakenOut() throws Exception {
    // Sent: "⟦1⟧ Cancellation is interruption.⟦2⟧ Then ⟦3⟧ s and ⟦4⟧ one ⟦5⟧, done." Apertium
    // moves the full stop out of the emphasis and leaves a space before the closing delimiter;
    // "**... interruption **" would no longer be emphasis, so the source's tightness inside a pair
    // wins, and the spaces the sent text added beside glued tokens go again.
    String doc = "**Cancellation is interruption.** Then `code`s and *one*, done.\n";
    assertEquals(
        List.of("⟦1⟧ Cancellation is interruption.⟦2⟧ Then ⟦3⟧ s and ⟦4⟧ one ⟦5⟧, done."),
        texts(FORMATS, DocumentFormat.MARKDOWN, doc));
    String out =
        run(
                FORMATS,
                DocumentFormat.MARKDOWN,
                doc,
                t -> t.replace(".⟦2⟧", " ⟦2⟧.").toUpperCase(Locale.ROOT))
            .text();
    assertEquals("**CANCELLATION IS INTERRUPTION**. THEN `code`S AND *ONE*, DONE.\n", out);
  }

  @Test
  void aReferenceLinkWhoseTextIsItsLabelIsNotSent() throws Exception {
    String doc =
        "See [pypa/get-pip]'s README and [the guide][]. Or [this one][guide].\n\n"
            + "[pypa/get-pip]: https://x.org\n[the guide]: https://y.org\n[guide]: https://z.org\n";
    assertEquals(
        List.of("See ⟦1⟧'s README and ⟦2⟧. Or ⟦3⟧ this one ⟦4⟧."),
        texts(FORMATS, DocumentFormat.MARKDOWN, doc));
    String out = run(FORMATS, DocumentFormat.MARKDOWN, doc, FormatsTestSupport::upper).text();
    assertTrue(
        out.startsWith("SEE [pypa/get-pip]'S README AND [the guide][]. OR [THIS ONE][guide].\n"),
        out);
  }

  @Test
  void aThematicBreakAndASetextHeadingAreNotFrontMatter() {
    // "---" at the top and a later "---" hold prose, not a YAML mapping: Markdown, all sent
    assertEquals(
        List.of("Some words.", "A heading"),
        texts(FORMATS, DocumentFormat.MARKDOWN, "---\nSome words.\n\nA heading\n---\n"));
    assertEquals(
        List.of("Start", "Body."),
        texts(
            FORMATS,
            DocumentFormat.MARKDOWN,
            "---\n# a comment\ntitle: Start\nlist:\n  - x\n---\nBody.\n"));
  }

  @Test
  void anEscapedPipeInATableCellKeepsPositionsRight() throws Exception {
    String doc = "| a | b |\n|---|---|\n| one \\| two more words | `co\\|de` here |\n";
    assertEquals(
        List.of("a", "b", "one ⟦1⟧ two more words", "⟦1⟧ here"),
        texts(FORMATS, DocumentFormat.MARKDOWN, doc));
    assertEquals(
        "| A | B |\n|---|---|\n| ONE \\| TWO MORE WORDS | `co\\|de` HERE |\n",
        run(FORMATS, DocumentFormat.MARKDOWN, doc, FormatsTestSupport::upper).text());
  }

  @Test
  void anAddressWithoutItsSchemeIsNotSent() {
    assertEquals(
        List.of("See ⟦1⟧ or ⟦2⟧ now, awww."),
        texts(FORMATS, DocumentFormat.TEXT, "See www.example.org/a or WWW.x.io now, awww."));
  }
}
