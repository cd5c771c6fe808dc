package dev.fanout.translate.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.translate.TestAccess;
import dev.fanout.translate.TranslationException;
import dev.fanout.translate.TranslationRequest;
import dev.fanout.translate.TranslationRequest.Format;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PseudoTranslatorTest {
  private final PseudoTranslator pseudo = new PseudoTranslator();

  private String text(String s) throws TranslationException {
    return pseudo.translate(new TranslationRequest(s, "en", "fr", Format.TEXT, null));
  }

  private String html(String s) throws TranslationException {
    return pseudo.translate(new TranslationRequest(s, "en", "de", Format.HTML, null));
  }

  @Test
  void nameIsPseudo() {
    assertEquals("pseudo", pseudo.name());
  }

  @Test
  void accentsLettersDoublesVowelsAndBrackets() throws Exception {
    assertEquals("[!! Ĥééļļöö, ŵööŕļð! !!]", text("Hello, world!"));
    assertEquals(
        "[!! ááƀçðééƒĝĥîîĵķļɱñööþǫŕšţüüṽŵẋýž ÅÅƁÇÐÉÉƑĜĤÎÎĴĶĻṀÑÖÖÞǪŔŠŢÜÜṼŴẊÝŽ 0123456789 !!]",
        text("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789"));
  }

  @Test
  void noAsciiLetterSurvivesInPlainText() throws Exception {
    String out = text("The quick brown fox jumps over the lazy dog. PACK MY BOX WITH FIVE JUGS.");
    assertTrue(out.chars().noneMatch(c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')), out);
  }

  @Test
  void keepsPlaceholdersTagsEntitiesCodeAndUrls() throws Exception {
    List<String> kept =
        List.of(
            "{name}",
            "{{count}}",
            "{}",
            "{0}",
            "{count, plural, one {# file} other {# files}}",
            "${total}",
            "%s",
            "%d",
            "%1$d",
            "%2$s",
            "%.2f",
            "%-5s",
            "%ld",
            "%%",
            "%(user)s",
            "<a href=\"https://example.com/x?y=1&amp;z=2\">",
            "</a>",
            "<br/>",
            "<img src='a.png' alt=\"A > B\">",
            "<!-- a note for translators -->",
            "<code>keep me</code>",
            "<pre class=\"x\">keep\n\nthis</pre>",
            "&amp;",
            "&#233;",
            "&#xE9;",
            "&nbsp;",
            "https://example.com/path/to?q=1&r=2",
            "http://localhost:8080/api/v1",
            "HTTPS://EXAMPLE.COM/UP");
    for (String token : kept) {
      String expected = "[!! Ɓééƒööŕéé " + token + " ááƒţééŕ. !!]";
      assertEquals(expected, text("Before " + token + " after."), token);
      assertEquals(expected, html("Before " + token + " after."), token);
    }
    for (String span : List.of("`git status`", "``a ` b``", "`x\ny`")) {
      assertEquals("[!! Ɓééƒööŕéé " + span + " ááƒţééŕ. !!]", text("Before " + span + " after."));
    }
  }

  @Test
  void thingsThatOnlyLookLikePlaceholdersAreTranslated() throws Exception {
    assertEquals("[!! 50% ööƒƒ !!]", text("50% off"));
    assertEquals("[!! áá < ƀ ááñð ç > ð !!]", text("a < b and c > d"));
    assertEquals("[!! ƀîîţš & ƀööƀš !!]", text("bits & bobs"));
    assertEquals("[!! {ñööţ çļööšééð !!]", text("{not closed"));
    assertEquals("[!! `ööþééñ !!]", text("`open"));
    // Code spans, placeholders and tags do not reach across a blank line.
    assertEquals(
        "[!! ÜÜšéé `ţîîçķ ĥééŕéé !!]\n\n[!! ááñð ɱööŕéé` ţééẋţ !!]",
        text("Use `tick here\n\nand more` text"));
    assertEquals("[!! {ööþééñ !!]\n \n[!! çļööšéé} !!]", text("{open\n \nclose}"));
    assertEquals("[!! <ƀ !!]\n\n[!! ƒöööö> !!]", text("<b\n\nfoo>"));
    // Within a paragraph they may span a line break.
    assertEquals("[!! {open\nclose} !!]", text("{open\nclose}"));
    assertEquals("[!! `open\nclose` !!]", text("`open\nclose`"));
  }

  @Test
  void urlsLoseTrailingPunctuationOnly() throws Exception {
    assertEquals("[!! Šéééé https://example.com/a. !!]", text("See https://example.com/a."));
    assertEquals(
        "[!! (Šéééé https://en.wikipedia.org/wiki/Foo_(bar)) !!]",
        text("(See https://en.wikipedia.org/wiki/Foo_(bar))"));
    assertEquals(
        "[!! Ŕééááð [ţĥéé ĝüüîîðéé](docs/setup.md) ñööŵ. !!]",
        text("Read [the guide](docs/setup.md) now."));
  }

  @Test
  void fencedAndIndentedCodeBlocksAreLeftAloneAndUnbracketed() throws Exception {
    assertEquals(
        "[!! ÎÎñţŕöö !!]\n\n```java\nString s = \"x\";\n\nint y;\n```\n\n[!! ÖÖüüţŕöö !!]",
        text("Intro\n\n```java\nString s = \"x\";\n\nint y;\n```\n\nOutro"));
    assertEquals(
        "[!! Ţééẋţ !!]\n~~~\ncode here\n~~~\n[!! Ɓýéé !!]", text("Text\n~~~\ncode here\n~~~\nBye"));
    // A fence left open runs to the end (the rest of the block is in the next segment).
    assertEquals("[!! Ţééẋţ !!]\n```\ncode here", text("Text\n```\ncode here"));
    assertEquals(
        "[!! Þááŕáá !!]\n\n    code line\n    more\n\n[!! ÉÉñð !!]",
        text("Para\n\n    code line\n    more\n\nEnd"));
    // Indentation without a blank line before it continues the paragraph.
    assertEquals("[!! Þááŕáá\n    šţîîļļ þááŕáá !!]", text("Para\n    still para"));
  }

  @Test
  void bracketsGoAfterMarkdownBlockMarkers() throws Exception {
    assertEquals("# [!! Ţîîţļéé !!]", text("# Title"));
    assertEquals("- [!! îîţééɱ ööñéé\n- îîţééɱ ţŵöö !!]", text("- item one\n- item two"));
    assertEquals("> [!! Ǫüüööţéé !!]", text("> Quote"));
    assertEquals("12. [!! Šţééþ !!]", text("12. Step"));
    assertEquals("[!! #ţááĝ !!]", text("#tag"));
  }

  @Test
  void htmlFormat() throws Exception {
    assertEquals(
        "[!! <p>Ĥééļļöö <b>ŵööŕļð</b></p>\n<pre>\nkeep  this\n\n</pre>\n"
            + "<script>var x = 1;</script> !!]",
        html(
            "<p>Hello <b>world</b></p>\n<pre>\nkeep  this\n\n</pre>\n<script>var x = 1;</script>"));
    // Markdown means nothing in HTML.
    assertEquals("[!! ÜÜšéé `ļš` !!]", html("Use `ls`"));
    assertEquals("[!! # Ţîîţļéé !!]", html("# Title"));
  }

  @Test
  void whitespaceAndLineStructureArePreserved() throws Exception {
    assertEquals("  [!! Ĥîî !!]  \n\n", text("  Hi  \n\n"));
    assertEquals(
        "\r\n[!! Ĥîî\r\nţĥééŕéé !!]\r\n\r\n[!! Ɓýéé !!]", text("\r\nHi\r\nthere\r\n\r\nBye"));
    assertEquals("   \n\t\n", text("   \n\t\n"));
    assertEquals("", text(""));
  }

  @Test
  void randomDocumentsKeepStructureAndTokens() throws Exception {
    String[] tokens = {
      "{name}", "%1$s", "<b>", "</b>", "&amp;", "`x = 1`", "https://example.com/a?b=c", "${v}"
    };
    Random r = new Random(7);
    for (int round = 0; round < 500; round++) {
      StringBuilder sb = new StringBuilder();
      int lines = 1 + r.nextInt(30);
      for (int l = 0; l < lines; l++) {
        if (l > 0) {
          sb.append(r.nextInt(6) == 0 ? "\r\n" : "\n");
        }
        int kind = r.nextInt(10);
        if (kind == 0) {
          sb.append(" ".repeat(r.nextInt(3))); // a blank line
          continue;
        }
        sb.append(kind == 1 ? "  " : kind == 2 ? "\t" : "");
        int words = 1 + r.nextInt(12);
        for (int w = 0; w < words; w++) {
          if (w > 0) {
            sb.append(' ');
          }
          if (r.nextInt(6) == 0) {
            sb.append(tokens[r.nextInt(tokens.length)]);
          } else {
            int len = 1 + r.nextInt(9);
            for (int i = 0; i < len; i++) {
              sb.append((char) ((r.nextBoolean() ? 'a' : 'A') + r.nextInt(26)));
            }
          }
        }
        if (r.nextInt(5) == 0) {
          sb.append(r.nextBoolean() ? "." : "  ");
        }
      }
      String source = sb.toString();
      for (Format format : Format.values()) {
        String out = pseudo.translate(new TranslationRequest(source, "en", "es", format, null));
        String where = "round " + round + " " + format + ":\n" + source + "\n=>\n" + out;
        String[] in = source.split("\n", -1);
        String[] got = out.split("\n", -1);
        assertEquals(in.length, got.length, where);
        for (int i = 0; i < in.length; i++) {
          assertEquals(in[i].isBlank(), got[i].isBlank(), where);
          assertEquals(leading(in[i]), leading(got[i]), "line " + i + " of " + where);
          assertEquals(trailing(in[i]), trailing(got[i]), "line " + i + " of " + where);
        }
        for (String token : tokens) {
          if (format == Format.HTML && token.startsWith("`")) {
            continue;
          }
          assertEquals(count(source, token), count(out, token), token + " in " + where);
        }
        assertEquals(Optional.empty(), TestAccess.plausibilityProblem(source, out), where);
        assertTrue(out.length() >= source.length(), where);
      }
    }
  }

  @Test
  void lengthensEnglishByAboutThirtyPercent() throws Exception {
    String source =
        "Translation tools should leave room for longer text, because many languages need more"
            + " words than English to say the same thing. Buttons, menus and dialogs that fit"
            + " exactly in English are often cut off in German or Finnish.";
    String out = text(source);
    double ratio =
        (double) out.codePointCount(0, out.length()) / source.codePointCount(0, source.length());
    assertTrue(ratio >= 1.2 && ratio <= 1.6, "ratio " + ratio + ": " + out);
  }

  @Test
  void outputAlwaysPassesPlausibility() throws Exception {
    for (String source :
        List.of(
            "a",
            "1",
            "a\n\n".repeat(1000) + "a",
            "1\n\n2",
            "- \n\n".repeat(300),
            "I\r\n\r\n".repeat(500),
            "aeiou ".repeat(700),
            "\uD83D\uDE00\n\n".repeat(500))) {
      for (Format format : Format.values()) {
        String out = pseudo.translate(new TranslationRequest(source, "en", "fr", format, null));
        assertEquals(Optional.empty(), TestAccess.plausibilityProblem(source, out), source);
      }
    }
  }

  @Test
  void isDeterministic() throws Exception {
    String source = "Some *Markdown* with {placeholders} and <b>tags</b>.\n\nTwice.";
    String first = text(source);
    assertEquals(first, text(source));
    assertEquals(
        first,
        new PseudoTranslator()
            .translate(new TranslationRequest(source, "en", "ja", Format.TEXT, "key")));
    assertNotEquals(source, first);
  }

  @Test
  void sameLanguageIsAPermanentUnsupportedPair() {
    for (String[] pair : new String[][] {{"en", "en"}, {"en", "EN"}, {"eng", "en"}, {"xx", "xx"}}) {
      TranslationException e =
          assertThrows(
              TranslationException.class,
              () ->
                  pseudo.translate(
                      new TranslationRequest("Hello", pair[0], pair[1], Format.TEXT, null)));
      assertEquals("unsupported_pair", e.reason());
      assertFalse(e.isTransient());
      assertEquals(0, e.status());
      assertEquals(Optional.empty(), e.retryAfter());
    }
  }

  @Test
  void unknownLanguageCodesAreNotAnError() throws Exception {
    assertEquals(
        "[!! Ĥîî !!]",
        pseudo.translate(new TranslationRequest("Hi", "english", "klingon", Format.TEXT, null)));
  }

  @Test
  void nullRequestIsRefused() {
    assertThrows(NullPointerException.class, () -> pseudo.translate(null));
  }

  @Test
  void interruptFlagIsLeftForTheCaller() throws Exception {
    Thread.currentThread().interrupt();
    try {
      assertEquals("[!! Ĥîî !!]", text("Hi"));
    } finally {
      assertTrue(Thread.interrupted(), "the interrupt flag was cleared");
    }
  }

  @Test
  void translatesOverAMillionCharsASecond() throws Exception {
    StringBuilder sb = new StringBuilder();
    while (sb.length() < 3900) {
      sb.append("Hello {name}, you have %d new <b>messages</b> &amp; a link to")
          .append(" https://example.com/inbox?id=42. Reply soon!\n\n");
    }
    String segment = sb.toString();
    int rounds = 1_000_000 / segment.length() + 1;
    long best = Long.MAX_VALUE;
    for (int attempt = 0; attempt < 3; attempt++) {
      long start = System.nanoTime();
      for (int i = 0; i < rounds; i++) {
        text(segment);
      }
      best = Math.min(best, System.nanoTime() - start);
    }
    assertTrue(best < 1_000_000_000L, "a million chars took " + best / 1_000_000 + " ms");
  }

  private static String leading(String line) {
    int i = 0;
    while (i < line.length() && Character.isWhitespace(line.charAt(i))) {
      i++;
    }
    return line.substring(0, i);
  }

  private static String trailing(String line) {
    int i = line.length();
    while (i > 0 && Character.isWhitespace(line.charAt(i - 1))) {
      i--;
    }
    return line.substring(i);
  }

  private static int count(String haystack, String needle) {
    int n = 0;
    for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }
}
