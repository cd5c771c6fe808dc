package dev.fanout.translate.format;

import static dev.fanout.translate.format.FormatsTestSupport.run;
import static dev.fanout.translate.format.FormatsTestSupport.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Plain text, and what every format protects inside text: placeholders, URLs, terms. */
class TextFormatTest {
  private static final Formats FORMATS = new Formats();

  @Test
  void protectedTermsStayWhateverLetterTheyStartWith() throws Exception {
    Formats formats =
        new Formats(
            Formats.DEFAULT_FRONT_MATTER_KEYS,
            Protection.TEXT.withTerms(List.of("Windows", "HTML", "Homebrew", "wget", "Linux")));
    String doc =
        "Install Homebrew on Windows or Linux, write HTML, fetch with wget from http://x.org.";
    assertEquals(
        List.of("Install ⟦1⟧ on ⟦2⟧ or ⟦3⟧, write ⟦4⟧, fetch with ⟦5⟧ from ⟦6⟧."),
        texts(formats, DocumentFormat.TEXT, doc));
    for (DocumentFormat f : DocumentFormat.values()) {
      assertEquals(
          List.of("Use ⟦1⟧ and ⟦2⟧."), texts(formats, f, "Use Windows and HTML.\n"), f.name());
    }
    assertEquals(doc, run(formats, DocumentFormat.TEXT, doc, UnaryOperator.identity()).text());
  }

  @Test
  void pythonNamedPlaceholdersStayWhole() throws Exception {
    String doc = "Hi %(name)s, %(count)d new %(kind)s at %(ratio).1f%% and Java's %(,.2f or %1$s.";
    assertEquals(
        List.of("Hi ⟦1⟧, ⟦2⟧ new ⟦3⟧ at ⟦4⟧ and Java's ⟦5⟧ or ⟦6⟧."),
        texts(FORMATS, DocumentFormat.TEXT, doc));
    assertEquals(
        "HI %(name)s, %(count)d NEW %(kind)s AT %(ratio).1f%% AND JAVA'S %(,.2f OR %1$s.",
        run(FORMATS, DocumentFormat.TEXT, doc, FormatsTestSupport::upper).text());
  }

  @Test
  void aLoneCarriageReturnEndsALineAsCommonMarkSays() throws Exception {
    // Classic Mac OS line endings: a lone \r breaks a line, and \r\r separates paragraphs.
    String doc = "first line \rsecond line\r\rnext paragraph\r";
    assertEquals(
        List.of("first line\nsecond line", "next paragraph"),
        texts(FORMATS, DocumentFormat.TEXT, doc));
    assertEquals(doc, run(FORMATS, DocumentFormat.TEXT, doc, UnaryOperator.identity()).text());
    assertEquals(
        "FIRST LINE \rSECOND LINE\r\rNEXT PARAGRAPH\r",
        run(FORMATS, DocumentFormat.TEXT, doc, FormatsTestSupport::upper).text());
    assertEquals(
        List.of("first line\nsecond line"),
        texts(FORMATS, DocumentFormat.MARKDOWN, "first line\rsecond line\r"),
        "Markdown, whose parser already splits there");
  }

  @Test
  void blanksEndingALineGoWithTheLineBreak() throws Exception {
    String doc = "foo  \nbar\t \r\n  baz qux\n\n  one \n two\n";
    assertEquals(
        List.of("foo\nbar\nbaz qux", "one\ntwo"), texts(FORMATS, DocumentFormat.TEXT, doc));
    assertEquals(doc, run(FORMATS, DocumentFormat.TEXT, doc, UnaryOperator.identity()).text());
    assertEquals(
        "FOO  \nBAR\t \r\n  BAZ QUX\n\n  ONE \n TWO\n",
        run(FORMATS, DocumentFormat.TEXT, doc, FormatsTestSupport::upper).text());
  }
}
