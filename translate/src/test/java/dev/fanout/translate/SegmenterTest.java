package dev.fanout.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SegmenterTest {

  // ---- edge cases and exact expectations ----

  @Test
  void emptyTextGivesNoSegments() {
    assertEquals(List.of(), Segmenter.split("", 16));
    assertEquals(List.of(), Segmenter.split("", Segmenter.DEFAULT_MAX));
  }

  @Test
  void limitBelowSixteenIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> Segmenter.split("text", 15));
    assertThrows(IllegalArgumentException.class, () -> Segmenter.split("text", 0));
    assertThrows(IllegalArgumentException.class, () -> Segmenter.split("text", -1));
    assertThrows(IllegalArgumentException.class, () -> Segmenter.split("", 15));
    assertEquals(List.of("text"), Segmenter.split("text", 16));
  }

  @Test
  void nullTextIsRefused() {
    assertThrows(NullPointerException.class, () -> Segmenter.split(null, 100));
  }

  @Test
  void defaultMaxIsFourThousand() {
    assertEquals(4000, Segmenter.DEFAULT_MAX);
  }

  @Test
  void textThatFitsIsOneSegment() {
    String text = "  Hello, world.\n\nSecond paragraph.\n\n";
    assertEquals(List.of(text), Segmenter.split(text, text.length()));
    assertEquals(List.of(text), Segmenter.split(text, Segmenter.DEFAULT_MAX));
  }

  @Test
  void packsWholeParagraphs() {
    String a = "aaaa aaaaa\n\n";
    String b = "bbbb bbbbb\n \n";
    String c = "cccc ccccc\n\n\n";
    String d = "dddd ddddd";
    String text = a + b + c + d;
    assertEquals(List.of(a + b, c + d), Segmenter.split(text, 26));
    assertEquals(List.of(a, b, c, d), Segmenter.split(text, 20));
    assertEquals(List.of(a + b + c, d), Segmenter.split(text, 38));
  }

  @Test
  void windowsLineBreaksSeparateParagraphs() {
    assertEquals(
        List.of("first line\r\n\r\n", "second line"),
        Segmenter.split("first line\r\n\r\nsecond line", 16));
    // One line break is not a paragraph break: the cut falls after the whitespace.
    assertEquals(
        List.of("first line\r\n", "second line here"),
        Segmenter.split("first line\r\nsecond line here", 16));
  }

  @Test
  void longParagraphIsCutBetweenSentences() {
    String text =
        "Hello world. This is a test! Another sentence? Yes.\n\nPara two is here.\n\nThree";
    assertEquals(
        List.of(
            "Hello world. This is a test! ",
            "Another sentence? Yes.\n\n",
            "Para two is here.\n\nThree"),
        Segmenter.split(text, 40));
    assertEquals(
        List.of(
            "Hello world. ",
            "This is a test! ",
            "Another sentence? ",
            "Yes.\n\n",
            "Para two is here.\n\n",
            "Three"),
        Segmenter.split(text, 20));
  }

  @Test
  void leadingBlankLinesStayWithTheFirstParagraph() {
    assertEquals(
        List.of("\n\nfirst para.\n\n", "second para here"),
        Segmenter.split("\n\nfirst para.\n\nsecond para here", 16));
    assertEquals(
        List.of("\n\nSentence one is here. ", "Sentence two is here."),
        Segmenter.split("\n\nSentence one is here. Sentence two is here.", 30));
  }

  @Test
  void cjkSentenceMarksNeedNoSpace() {
    String text = "这是第一句。这是第二句！这是第三句？";
    assertEquals(List.of("这是第一句。这是第二句！", "这是第三句？"), Segmenter.split(text, 16));
  }

  @Test
  void closingQuotesStayWithTheirSentence() {
    String text = "He said \"Stop.\" Then he left. And more text here.";
    assertEquals(
        List.of("He said \"Stop.\" ", "Then he left. ", "And more text here."),
        Segmenter.split(text, 20));
  }

  @Test
  void decimalPointsDoNotEndSentences() {
    List<String> chunks = Segmenter.split("Pi is 3.14159 and e is 2.71828 roughly.", 16);
    assertEquals(List.of("Pi is 3.14159 ", "and e is ", "2.71828 roughly."), chunks);
  }

  @Test
  void longSentenceIsCutAfterTheLastWhitespaceThatFits() {
    assertEquals(
        List.of("alpha beta ", "gamma delta ", "epsilon zeta ", "eta theta"),
        Segmenter.split("alpha beta gamma delta epsilon zeta eta theta", 16));
  }

  @Test
  void separatorsEndSegments() {
    String text = "word ".repeat(50) + "end";
    List<String> chunks = Segmenter.split(text, 23);
    assertEquals(text, String.join("", chunks));
    for (int i = 0; i < chunks.size(); i++) {
      String c = chunks.get(i);
      assertFalse(Character.isWhitespace(c.charAt(0)), "chunk " + i + " starts with a space");
      if (i < chunks.size() - 1) {
        assertEquals("word word word word ", c); // 20 chars: a fifth word would make 25
      }
    }
  }

  @Test
  void cutKeepsAWhitespaceRunWholeRatherThanCuttingInsideIt() {
    // The limit (16) falls inside "   ": the cut goes back to the previous run instead.
    assertEquals(
        List.of("aaa ", "bbbbbbbbbb   ", "cccc"), Segmenter.split("aaa bbbbbbbbbb   cccc", 16));
  }

  @Test
  void runWithoutWhitespaceIsCutAtTheLimit() {
    String text = "x".repeat(40);
    assertEquals(List.of("x".repeat(16), "x".repeat(16), "x".repeat(8)), Segmenter.split(text, 16));
    // Whitespace after the run is used again as soon as it is within reach.
    assertEquals(
        List.of("y".repeat(20), "y".repeat(10) + " ", "z".repeat(15)),
        Segmenter.split("y".repeat(30) + " " + "z".repeat(15), 20));
  }

  @Test
  void surrogatePairsAreNeverCut() {
    String emoji = "\uD83D\uDE00"; // one code point, two chars
    String text = emoji.repeat(20);
    List<String> chunks = Segmenter.split(text, 17);
    assertEquals(List.of(emoji.repeat(8), emoji.repeat(8), emoji.repeat(4)), chunks);

    String odd = "a" + emoji.repeat(30);
    List<String> oddChunks = Segmenter.split(odd, 16);
    assertEquals(odd, String.join("", oddChunks));
    assertEquals("a" + emoji.repeat(7), oddChunks.get(0));
    for (String c : oddChunks) {
      assertFalse(Character.isLowSurrogate(c.charAt(0)), c);
      assertFalse(Character.isHighSurrogate(c.charAt(c.length() - 1)), c);
    }
  }

  @Test
  void whitespaceRunsLongerThanTheLimitAreCutInside() {
    String text = "a" + " ".repeat(30) + "b";
    assertEquals(List.of("a" + " ".repeat(15), " ".repeat(15) + "b"), Segmenter.split(text, 16));
    assertEquals(List.of(" ".repeat(16), " ".repeat(16), " ".repeat(8)), split(" ".repeat(40)));
    assertEquals(List.of("   \n\n  "), Segmenter.split("   \n\n  ", 16));
  }

  @Test
  void crLfIsNotCutInTwoWhenACutInsideWhitespaceIsForced() {
    String text = "a" + "\r\n".repeat(20) + "b";
    List<String> chunks = Segmenter.split(text, 16);
    assertEquals(text, String.join("", chunks));
    for (int i = 1; i < chunks.size(); i++) {
      assertFalse(
          chunks.get(i - 1).endsWith("\r") && chunks.get(i).startsWith("\n"), "cut inside CRLF");
      assertTrue(chunks.get(i - 1).length() <= 16);
    }
  }

  @Test
  void oversizedParagraphGetsSegmentsOfItsOwn() {
    String small = "Small one.\n\n";
    String big = "First sentence here. Second sentence here.\n\n";
    String text = small + big + small;
    assertEquals(
        List.of(small, "First sentence here. ", "Second sentence here.\n\n", small),
        Segmenter.split(text, 30));
  }

  @Test
  void htmlTagsAreNeverCutAndTheirDotsEndNoSentence() {
    String tag = "<a href=\"https://example.com/a. b\" title=\"e.g. this one\">";
    StringBuilder html = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      html.append("word ").append(i).append(" links ").append(tag).append("here</a> and ");
    }
    String text =
        html.toString(); // one long sentence: the only spaces and dots near cuts are in tags
    for (int max : new int[] {90, 120, 200}) {
      List<String> chunks = Segmenter.split(text, max);
      assertEquals(text, String.join("", chunks));
      for (String c : chunks) {
        assertTrue(c.length() <= max, c);
        int open = c.lastIndexOf('<');
        assertTrue(open < 0 || c.indexOf('>', open) > 0, "a chunk ends inside a tag: " + c);
        int close = c.indexOf('>');
        int firstOpen = c.indexOf('<');
        assertTrue(close < 0 || (firstOpen >= 0 && firstOpen < close), "starts inside a tag: " + c);
      }
    }
    // Comparisons are not tags: "a < b" can still be cut at its spaces.
    String math = "x < y and y > z. ".repeat(30);
    assertEquals(math, String.join("", Segmenter.split(math, 40)));
  }

  private static List<String> split(String text) {
    return Segmenter.split(text, 16);
  }

  // ---- randomized property test ----

  /** A generated document and the structure the generator put into it. */
  private record Doc(String text, List<int[]> paragraphs, List<int[]> sentences) {}

  private static final String EMOJI = "\uD83D\uDE00\uD83C\uDF89\uD83D\uDC4D\uD83E\uDD14";
  private static final String CJK = "这是一个测试文本中国語日本";
  private static final String[] PARAGRAPH_SEPARATORS = {
    "\n\n", "\n\n\n", "\n \n", " \n\t\n", "\r\n\r\n", "\n\n\n\n\n"
  };

  private static String word(Random r) {
    int kind = r.nextInt(100);
    StringBuilder w = new StringBuilder();
    if (kind < 80) {
      int len = 1 + r.nextInt(10);
      for (int i = 0; i < len; i++) {
        w.append((char) ((i == 0 && r.nextInt(5) == 0 ? 'A' : 'a') + r.nextInt(26)));
      }
    } else if (kind < 88) {
      int len = 1 + r.nextInt(5);
      for (int i = 0; i < len; i++) {
        int e = r.nextInt(EMOJI.length() / 2) * 2;
        w.append(EMOJI, e, e + 2);
      }
    } else if (kind < 94) {
      int len = 1 + r.nextInt(6);
      for (int i = 0; i < len; i++) {
        w.append(CJK.charAt(r.nextInt(CJK.length())));
      }
    } else {
      // A long unbroken run, sometimes with emoji in it.
      int len = 20 + r.nextInt(400);
      while (w.length() < len) {
        if (r.nextInt(4) == 0) {
          int e = r.nextInt(EMOJI.length() / 2) * 2;
          w.append(EMOJI, e, e + 2);
        } else {
          w.append((char) ('a' + r.nextInt(26)));
        }
      }
    }
    return w.toString();
  }

  private static Doc document(Random r) {
    StringBuilder sb = new StringBuilder();
    List<int[]> paragraphs = new ArrayList<>();
    List<int[]> sentences = new ArrayList<>();
    int paragraphCount = 1 + r.nextInt(12);
    for (int p = 0; p < paragraphCount; p++) {
      int paragraphStart = sb.length();
      int sentenceCount = 1 + r.nextInt(8);
      int lastSentenceStart = -1;
      for (int s = 0; s < sentenceCount; s++) {
        int sentenceStart = sb.length();
        boolean lastSentence = s == sentenceCount - 1;
        int words = 1 + r.nextInt(r.nextInt(4) == 0 ? 60 : 15);
        for (int w = 0; w < words; w++) {
          if (w > 0) {
            int sep = r.nextInt(20);
            sb.append(sep < 16 ? " " : sep < 18 ? "\n" : sep == 18 ? "  " : "\t");
          }
          sb.append(word(r));
        }
        int mark = r.nextInt(10);
        if (lastSentence && mark == 0) {
          lastSentenceStart = sentenceStart; // no mark: only allowed on a paragraph's last sentence
          break;
        }
        if (mark < 4) {
          sb.append('\u3002');
          if (!lastSentence && r.nextBoolean()) {
            sb.append(' ');
          }
        } else {
          sb.append(mark < 7 ? '.' : mark < 9 ? '!' : '?');
          if (!lastSentence) {
            sb.append(r.nextInt(4) == 0 ? "\n" : " ");
          }
        }
        if (lastSentence) {
          lastSentenceStart = sentenceStart;
        } else {
          sentences.add(new int[] {sentenceStart, sb.length()});
        }
      }
      boolean lastParagraph = p == paragraphCount - 1;
      if (!lastParagraph) {
        sb.append(PARAGRAPH_SEPARATORS[r.nextInt(PARAGRAPH_SEPARATORS.length)]);
      } else if (r.nextInt(3) == 0) {
        sb.append(r.nextBoolean() ? "\n" : "\n\n");
      }
      sentences.add(new int[] {lastSentenceStart, sb.length()});
      paragraphs.add(new int[] {paragraphStart, sb.length()});
    }
    return new Doc(sb.toString(), paragraphs, sentences);
  }

  @Test
  void randomDocumentsSplitIntoValidSegments() {
    long seed = 0x5eed_0f_5e9L;
    Random r = new Random(seed);
    int checkedParagraphCuts = 0;
    int checkedSentenceCuts = 0;
    int checkedHardCuts = 0;
    int checkedWordCuts = 0;
    for (int round = 0; round < 2000; round++) {
      Doc doc = document(r);
      int max =
          switch (r.nextInt(3)) {
            case 0 -> 16 + r.nextInt(30);
            case 1 -> 46 + r.nextInt(200);
            default -> 246 + r.nextInt(2000);
          };
      String where = "round " + round + ", max " + max;
      List<String> chunks = Segmenter.split(doc.text(), max);
      String text = doc.text();
      assertEquals(text, String.join("", chunks), where);

      // Where each cut falls.
      List<Integer> cuts = new ArrayList<>();
      int pos = 0;
      for (int i = 0; i < chunks.size(); i++) {
        String c = chunks.get(i);
        assertFalse(c.isEmpty(), where + ": empty chunk " + i);
        assertTrue(c.length() <= max, where + ": chunk " + i + " has " + c.length());
        pos += c.length();
        if (i < chunks.size() - 1) {
          cuts.add(pos);
        }
      }
      Map<Integer, int[]> paragraphStarts = byStart(doc.paragraphs());
      Map<Integer, int[]> paragraphEnds = byEnd(doc.paragraphs());
      Map<Integer, int[]> sentenceStarts = byStart(doc.sentences());
      Map<Integer, int[]> sentenceEnds = byEnd(doc.sentences());

      // A paragraph that fits is never cut; one that does not is cut between sentences that fit.
      int[] sortedCuts = cuts.stream().mapToInt(Integer::intValue).toArray();
      for (int[] p : doc.paragraphs()) {
        int k = firstCutAfter(sortedCuts, p[0]);
        if (p[1] - p[0] <= max && k < p[1]) {
          fail(where + ": paragraph [" + p[0] + ", " + p[1] + ") that fits is cut at " + k);
        }
      }
      for (int[] s : doc.sentences()) {
        int k = firstCutAfter(sortedCuts, s[0]);
        if (s[1] - s[0] <= max && k < s[1]) {
          fail(where + ": sentence [" + s[0] + ", " + s[1] + ") that fits is cut at " + k);
        }
      }

      for (int i = 0; i < cuts.size(); i++) {
        int cut = cuts.get(i);
        String before = chunks.get(i);
        String after = chunks.get(i + 1);
        assertFalse(
            Character.isHighSurrogate(text.charAt(cut - 1))
                && Character.isLowSurrogate(text.charAt(cut)),
            where + ": surrogate pair cut at " + cut);
        if (paragraphEnds.containsKey(cut)) {
          // Greedy packing: the next paragraph would not have fitted, unless either side is cut up.
          int[] next = paragraphStarts.get(cut);
          int[] previous = paragraphEnds.get(cut);
          if (next[1] - next[0] <= max && previous[1] - previous[0] <= max) {
            assertTrue(
                before.length() + (next[1] - next[0]) > max,
                where + ": paragraph at " + cut + " would have fitted in the chunk before it");
          }
          checkedParagraphCuts++;
        } else if (sentenceEnds.containsKey(cut)) {
          int[] next = sentenceStarts.get(cut);
          int[] previous = sentenceEnds.get(cut);
          if (next[1] - next[0] <= max && previous[1] - previous[0] <= max) {
            assertTrue(
                before.length() + (next[1] - next[0]) > max,
                where + ": sentence at " + cut + " would have fitted in the chunk before it");
          }
          checkedSentenceCuts++;
        } else if (Character.isWhitespace(text.charAt(cut - 1))
            && !Character.isWhitespace(text.charAt(cut))) {
          // Cut after a word inside a sentence too long to fit: the next word would not fit.
          int next = cut + 1;
          while (next < text.length()
              && !sentenceEnds.containsKey(next)
              && !(Character.isWhitespace(text.charAt(next - 1))
                  && !Character.isWhitespace(text.charAt(next)))) {
            next++;
          }
          int chunkStart = cut - before.length();
          assertTrue(
              next - chunkStart > max,
              where + ": chunk ending at " + cut + " could have run to " + next);
          checkedWordCuts++;
        } else if (!Character.isWhitespace(text.charAt(cut - 1))) {
          // A forced cut inside a run with no whitespace the chunk could have ended at.
          assertTrue(before.length() >= max - 1, where + ": early hard cut at " + cut);
          assertTrue(
              before.chars().noneMatch(Character::isWhitespace),
              where + ": hard cut at " + cut + " although the chunk has whitespace");
          checkedHardCuts++;
        }
        if (Character.isWhitespace(after.charAt(0))) {
          // Only a forced cut inside whitespace (one char short to keep a CRLF whole) does this.
          assertTrue(
              before.length() >= max - 1, where + ": chunk after " + cut + " starts with space");
        }
      }
    }
    // The generator must actually exercise all three kinds of cut.
    assertTrue(checkedParagraphCuts > 1000, "paragraph cuts: " + checkedParagraphCuts);
    assertTrue(checkedSentenceCuts > 1000, "sentence cuts: " + checkedSentenceCuts);
    assertTrue(checkedHardCuts > 100, "hard cuts: " + checkedHardCuts);
    assertTrue(checkedWordCuts > 1000, "word cuts: " + checkedWordCuts);
  }

  /** The first cut after {@code pos}, or MAX_VALUE. */
  private static int firstCutAfter(int[] sortedCuts, int pos) {
    int i = Arrays.binarySearch(sortedCuts, pos + 1);
    int at = i >= 0 ? i : -i - 1;
    return at < sortedCuts.length ? sortedCuts[at] : Integer.MAX_VALUE;
  }

  private static Map<Integer, int[]> byStart(List<int[]> spans) {
    Map<Integer, int[]> map = new HashMap<>();
    for (int[] s : spans) {
      map.put(s[0], s);
    }
    return map;
  }

  private static Map<Integer, int[]> byEnd(List<int[]> spans) {
    Map<Integer, int[]> map = new HashMap<>();
    for (int[] s : spans) {
      map.put(s[1], s);
    }
    return map;
  }

  // ---- speed ----

  @Test
  void tenMegabytesSplitInWellUnderASecond() {
    Random r = new Random(42);
    StringBuilder sb = new StringBuilder(10_500_000);
    while (sb.length() < 10_000_000) {
      sb.append(document(r).text()).append("\n\n");
    }
    String prose = sb.toString();
    String noWhitespace = "x".repeat(10_000_000);
    String shortWords = "a ".repeat(5_000_000);
    String dots = ". ".repeat(5_000_000);
    String oneParagraph = prose.replace("\n", " ").replace("\r", " ");
    String nearlyNoWhitespace = ("y".repeat(3999) + " ").repeat(2500);
    for (String text :
        List.of(prose, noWhitespace, shortWords, dots, oneParagraph, nearlyNoWhitespace)) {
      long best = Long.MAX_VALUE;
      for (int attempt = 0; attempt < 3; attempt++) {
        long start = System.nanoTime();
        List<String> chunks = Segmenter.split(text, Segmenter.DEFAULT_MAX);
        best = Math.min(best, System.nanoTime() - start);
        assertEquals(text.length(), chunks.stream().mapToInt(String::length).sum());
      }
      assertTrue(
          best < 1_000_000_000L,
          "splitting " + text.length() + " chars took " + best / 1_000_000 + " ms");
    }
  }
}
