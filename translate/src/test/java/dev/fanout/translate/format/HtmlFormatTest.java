package dev.fanout.translate.format;

import static dev.fanout.translate.format.FormatsTestSupport.run;
import static dev.fanout.translate.format.FormatsTestSupport.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** HTML through the format layer: what is sent, and what comes back byte for byte. */
class HtmlFormatTest {
  private static final Formats FORMATS = new Formats();
  static final String DOC =
      """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <title>Simple Example &mdash; libdemo manual</title>
      <meta name="description" content="How to call puts">
      <style>
      pre.example { margin-left: 3.2em }
      </style>
      <script>if (a < b && c) { document.title = "x"; }</script>
      </head>
      <body>
      <!-- Created by a generator -->
      <div class="header">
      <p>
      Next: <a href="Types.html" accesskey="n" rel="next">Types</a>, Up: <a href='Using.html' \
      title='Using the library'>Using libdemo</a> &nbsp; [<a href="Index.html" title="Index">Index</a>]</p>
      </div>
      <hr>
      <h3 class="section" id="Simple-Example">2.2 Simple Example</h3>

      <p>Here is a trivial example that calls <code>puts</code> a few times,
        with <b>bold <i>and italic</i></b> words &amp; a \
      <a href="https://example.org/a?b=1&amp;c=2">link</a>.<br>
        Press <kbd>Ctrl-C</kbd> to stop; see {name} and %s.</p>
      <div class="example">
      <pre class="example">#include &lt;stdio.h&gt;
      int main() { puts(&quot;Hello World!&quot;); return 0; }
      </pre></div>
      <p><img src="logo.png" alt="The demo logo" title=Logo width=10> Figure 1: the logo.</p>
      <ul>
        <li><a href="#one">Overview</a></li>
        <li>Install with <code>make install</code></li>
        <li class="notranslate">libdemo</li>
      </ul>
      <table>
        <tr><th>Type</th><th>Meaning</th></tr>
        <tr><td><code>ffi_type_void</code></td><td>The type <em>void</em>.</td></tr>
      </table>
      <p>Copyright &copy 2024 R&D <span translate="no">Demo Inc.</span></p>
      </body>
      </html>
      """;

  @Test
  void theIdentityEngineGivesBackEveryByte() throws Exception {
    assertEquals(DOC, run(FORMATS, DocumentFormat.HTML, DOC, UnaryOperator.identity()).text());
  }

  @Test
  void onlyWordsAreSentAndEverythingElseTravelsAsTokens() {
    assertEquals(
        List.of(
            "Simple Example ⟦1⟧ libdemo manual",
            "Next: ⟦1⟧ Types ⟦2⟧, Up: ⟦3⟧ Using libdemo ⟦4⟧ ⟦5⟧ [⟦6⟧ Index ⟦7⟧]",
            "Using the library", // the title attributes, inside their tags' tokens
            "Index",
            "2.2 Simple Example",
            "Here is a trivial example that calls ⟦1⟧ a few times,\nwith ⟦2⟧ bold ⟦3⟧ and"
                + " italic ⟦4⟧ words ⟦5⟧ a ⟦6⟧ link ⟦7⟧.⟦8⟧\nPress ⟦9⟧ to stop; see ⟦10⟧ and ⟦11⟧.",
            "⟦1⟧ Figure 1: the logo.",
            "The demo logo",
            "Logo",
            "Overview", // the link around the whole item stays outside
            "Install with ⟦1⟧",
            "Type",
            "Meaning",
            "The type ⟦1⟧ void ⟦2⟧.",
            "Copyright ⟦1⟧ 2024 R&D ⟦2⟧"),
        texts(FORMATS, DocumentFormat.HTML, DOC));
  }

  @Test
  void wordsAreTranslatedAndCodeTagsAndAttributesStay() throws Exception {
    String out = run(FORMATS, DocumentFormat.HTML, DOC, FormatsTestSupport::upper).text();
    for (String expected :
        List.of(
            "<title>SIMPLE EXAMPLE &mdash; LIBDEMO MANUAL</title>",
            "<meta name=\"description\" content=\"How to call puts\">",
            "<script>if (a < b && c) { document.title = \"x\"; }</script>",
            "<!-- Created by a generator -->",
            "NEXT: <a href=\"Types.html\" accesskey=\"n\" rel=\"next\">TYPES</a>, UP: <a"
                + " href='Using.html' title='USING THE LIBRARY'>USING LIBDEMO</a> &nbsp; [<a"
                + " href=\"Index.html\" title=\"INDEX\">INDEX</a>]</p>",
            "<p>HERE IS A TRIVIAL EXAMPLE THAT CALLS <code>puts</code> A FEW TIMES,\n"
                + "  WITH <b>BOLD <i>AND ITALIC</i></b> WORDS &amp; A"
                + " <a href=\"https://example.org/a?b=1&amp;c=2\">LINK</a>.<br>\n"
                + "  PRESS <kbd>Ctrl-C</kbd> TO STOP; SEE {name} AND %s.</p>",
            "<pre class=\"example\">#include &lt;stdio.h&gt;\n"
                + "int main() { puts(&quot;Hello World!&quot;); return 0; }\n</pre>",
            "<img src=\"logo.png\" alt=\"THE DEMO LOGO\" title=LOGO width=10> FIGURE 1: THE LOGO.",
            "<li><a href=\"#one\">OVERVIEW</a></li>",
            "<li>INSTALL WITH <code>make install</code></li>",
            "<li class=\"notranslate\">libdemo</li>",
            "<td><code>ffi_type_void</code></td><td>THE TYPE <em>VOID</em>.",
            "COPYRIGHT &copy 2024 R&D <span translate=\"no\">Demo Inc.</span>")) {
      assertTrue(out.contains(expected), expected + " in:\n" + out);
    }
    assertEquals(HtmlTrees.elements(DOC), HtmlTrees.elements(out));
    assertEquals(HtmlTrees.texts(DOC, true), HtmlTrees.texts(out, true));
    assertEquals(HtmlTrees.code(DOC), HtmlTrees.code(out));
  }

  @Test
  void theMeasuredFailureIsGone() throws Exception {
    // Apertium turned this into "#Incluye &lt;stdio.h&gt;" when the page was sent whole.
    String page = "<p>Include it:</p>\n<pre class=\"example\">#include &lt;stdio.h&gt;\n</pre>\n";
    assertEquals(List.of("Include it:"), texts(FORMATS, DocumentFormat.HTML, page));
    String out =
        run(FORMATS, DocumentFormat.HTML, page, t -> t.replace("Include", "Incluye")).text();
    assertEquals(
        "<p>Incluye it:</p>\n<pre class=\"example\">#include &lt;stdio.h&gt;\n</pre>\n", out);
  }

  @Test
  void aLostRepeatedOrTurnedTagFailsNamingIt() {
    assertFails(
        "token_lost",
        "line 3: token ⟦1⟧ (<b>) came back 0 times",
        "<p>Intro.</p>\n\n<p>Run <b>this</b> now.</p>\n",
        t -> t.replace("⟦1⟧", ""));
    String page = "<p>Run <a href=\"x.html\">this</a> now.</p>";
    assertFails("token_repeated", "token ⟦2⟧ (</a>) came back 2 times", page, t -> t + " ⟦2⟧");
    assertFails(
        "token_order",
        "token ⟦2⟧ (</a>) came back before ⟦1⟧ (<a href=\"x.html\">)",
        page,
        t -> "⟦2⟧this⟦1⟧ run now.");
  }

  private static void assertFails(
      String reason, String message, String page, UnaryOperator<String> engine) {
    FormatException e =
        assertThrows(FormatException.class, () -> run(FORMATS, DocumentFormat.HTML, page, engine));
    assertEquals(reason, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void answersAreEscapedWhereTheyStand() throws Exception {
    String page =
        "<p title=\"Say\" class=a>Use it.</p><img alt='Cat' src=c.png><img alt=Dog title=Ok>\n";
    String out =
        run(
                FORMATS,
                DocumentFormat.HTML,
                page,
                t ->
                    switch (t) {
                      case "Use it." -> "Use <b> & </p> & &copy; &amp a<b <3 R&D.";
                      case "Say" -> "Say \"hi\" & 'bye' &lt;";
                      case "Cat" -> "The cat's \"bed\"";
                      case "Dog" -> "Big dog";
                      default -> "x=\"y\"";
                    })
            .text();
    assertEquals(
        "<p title=\"Say &quot;hi&quot; & 'bye' &amp;lt;\" class=a>"
            + "Use &lt;b> & &lt;/p> & &amp;copy; &amp;amp a&lt;b <3 R&D.</p>"
            + "<img alt='The cat&#39;s \"bed\"' src=c.png>"
            + "<img alt=\"Big dog\" title=\"x=&quot;y&quot;\">\n",
        out);
    assertEquals(HtmlTrees.elements(page), HtmlTrees.elements(out));
  }

  @Test
  void titlesOptionsAndButtonsAreSentPlaceholdersAndValuesAreNot() throws Exception {
    String page =
        "<title>Fish &amp; <chips></title><form><label>Name <input name=n placeholder=\"Your"
            + " name\" title=\"Full name\"></label> <button type=submit value=go>Send"
            + " it</button><select><option value=1>First choice<option value=2>Second"
            + " one</select></form>";
    assertEquals(
        List.of(
            "Fish ⟦1⟧ <chips>", // raw text: a tag is words there
            "⟦1⟧ Name ⟦2⟧ ⟦3⟧ Send it ⟦4⟧",
            "Full name",
            "First choice",
            "Second one"),
        texts(FORMATS, DocumentFormat.HTML, page));
    String out =
        run(FORMATS, DocumentFormat.HTML, page, t -> t.replace("<chips>", "</title> & <b>")).text();
    assertTrue(out.startsWith("<title>Fish &amp; &lt;/title> & <b></title>"), out);
    assertEquals(HtmlTrees.elements(page), HtmlTrees.elements(out));
  }

  @Test
  void malformedHtmlComesBackAsItWas() throws Exception {
    String page =
        "<p>One <b>bold<p>two</b> three</p><table>stray<tr><td>cell</td></tr></table>"
            + "<p>a</span>b</br>c &notit; &#65 x\u0000y</p><p>open <i>never closed";
    assertEquals(page, run(FORMATS, DocumentFormat.HTML, page, UnaryOperator.identity()).text());
    String out = run(FORMATS, DocumentFormat.HTML, page, FormatsTestSupport::upper).text();
    assertEquals(HtmlTrees.elements(page), HtmlTrees.elements(out));
    assertEquals(HtmlTrees.texts(page, true), HtmlTrees.texts(out, true));
  }

  @Test
  void unitsKnowTheirLines() {
    // The title's unit is made before the paragraph's, which starts a line earlier.
    String page = "<html>\n<p>Intro\n<a title=\"Tip\">x</a>\n</p>\n<p>\n\nEnd.</p>";
    assertEquals(
        List.of(2, 3, 7),
        FORMATS.extract(DocumentFormat.HTML, page).units().stream().map(Unit::line).toList());
  }

  @Test
  void wrappedLinesKeepTheirBreaksAndIndentation() throws Exception {
    String page = "<ul>\r\n  <li>\r\n    First line\r\n    second line\r\n  </li>\r\n</ul>\r\n";
    assertEquals(List.of("First line\nsecond line"), texts(FORMATS, DocumentFormat.HTML, page));
    assertEquals(
        page.replace("First line", "FIRST LINE").replace("second line", "SECOND LINE"),
        run(FORMATS, DocumentFormat.HTML, page, FormatsTestSupport::upper).text());
  }

  @Test
  void referencesAreTokensAsABrowserReadsThemWhereTheyStand() throws Exception {
    String page =
        "<p>See https://x.org/?a=1&copy=2 and &copy 2024 &notit; &foo; now  \n  here.</p>\n"
            + "<img alt=\"a=1&copy=2 &copy 2024\">";
    assertEquals(
        List.of("See ⟦1⟧ and ⟦2⟧ 2024 ⟦3⟧ it; ⟦4⟧ now\nhere.", "a=1&copy=2 ⟦1⟧ 2024"),
        texts(FORMATS, DocumentFormat.HTML, page));
    assertEquals(page, run(FORMATS, DocumentFormat.HTML, page, UnaryOperator.identity()).text());
  }
}
