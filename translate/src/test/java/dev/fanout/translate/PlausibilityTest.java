package dev.fanout.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class PlausibilityTest {
  private static final String EMOJI = "\uD83D\uDE00";

  private static String chars(int n) {
    return "x".repeat(n);
  }

  @Test
  void truncatedAnswerIsFlaggedWithBothLengths() {
    assertEquals(
        Optional.of("answer has 812 characters for 4,000 sent (under 30%): truncated?"),
        Plausibility.problem(chars(4000), chars(812)));
  }

  @Test
  void normalAnswerIsAccepted() {
    assertEquals(Optional.empty(), Plausibility.problem(chars(4000), chars(3500)));
    assertEquals(Optional.empty(), Plausibility.problem(chars(4000), chars(5200)));
    assertEquals(
        Optional.empty(),
        Plausibility.problem("Hello, how are you today?", "Hola, ¿cómo estás hoy?"));
  }

  @Test
  void lowerBoundIsThirtyPercent() {
    assertEquals(Optional.empty(), Plausibility.problem(chars(4000), chars(1200)));
    assertEquals(
        Optional.of("answer has 1,199 characters for 4,000 sent (under 30%): truncated?"),
        Plausibility.problem(chars(4000), chars(1199)));
  }

  @Test
  void upperBoundIsFourTimesPlusFifty() {
    assertEquals(Optional.empty(), Plausibility.problem(chars(100), chars(450)));
    assertEquals(
        Optional.of("answer has 451 characters for 100 sent (over 4 times + 50): runaway output?"),
        Plausibility.problem(chars(100), chars(451)));
  }

  @Test
  void lengthsAreCodePoints() {
    // 100 code points (200 chars) sent, 35 back: 35% of the code points, 17.5% of the chars.
    assertEquals(Optional.empty(), Plausibility.problem(EMOJI.repeat(100), chars(35)));
    // 100 sent, 29 code points (58 chars) back: 29%, although 58% of the chars.
    assertEquals(
        Optional.of("answer has 29 characters for 100 sent (under 30%): truncated?"),
        Plausibility.problem(chars(100), EMOJI.repeat(29)));
    // 10 code points sent allow 90 back, however many chars those take.
    assertEquals(Optional.empty(), Plausibility.problem(EMOJI.repeat(10), EMOJI.repeat(90)));
    assertTrue(Plausibility.problem(EMOJI.repeat(10), EMOJI.repeat(91)).isPresent());
  }

  @Test
  void shortSourcesSkipTheLowerBound() {
    assertEquals(Optional.empty(), Plausibility.problem(chars(19), "x"));
    assertEquals(Optional.empty(), Plausibility.problem("Thank you very much", "Danke"));
    assertEquals(
        Optional.of("answer has 5 characters for 20 sent (under 30%): truncated?"),
        Plausibility.problem(chars(20), chars(5)));
    assertEquals(Optional.empty(), Plausibility.problem(chars(20), chars(6)));
  }

  @Test
  void shortSourcesStillHaveTheUpperBound() {
    assertEquals(Optional.empty(), Plausibility.problem("OK", chars(58)));
    assertEquals(
        Optional.of("answer has 59 characters for 2 sent (over 4 times + 50): runaway output?"),
        Plausibility.problem("OK", chars(59)));
  }

  @Test
  void missingOrBlankAnswerForNonBlankSource() {
    assertEquals(
        Optional.of("no answer (null) for 5 characters sent"), Plausibility.problem("Hello", null));
    assertEquals(
        Optional.of("empty answer for 5 characters sent"), Plausibility.problem("Hello", ""));
    assertEquals(
        Optional.of("blank answer (3 whitespace characters) for 2 characters sent"),
        Plausibility.problem("Hi", " \n "));
  }

  @Test
  void blankSourceAcceptsBlankAnswer() {
    assertEquals(Optional.empty(), Plausibility.problem("", ""));
    assertEquals(Optional.empty(), Plausibility.problem("  \n", "  \n"));
    assertEquals(Optional.empty(), Plausibility.problem("  ", null));
  }

  @Test
  void messagesNeverQuoteTheText() {
    String secret = "Confidential merger plan for ACME Corporation, do not share. ".repeat(10);
    Optional<String> problem = Plausibility.problem(secret, "Confidential");
    assertTrue(problem.isPresent());
    assertFalse(problem.get().contains("Confidential"), problem.get());
    assertFalse(problem.get().contains("ACME"), problem.get());
  }

  @Test
  void nullSourceIsRefused() {
    assertThrows(NullPointerException.class, () -> Plausibility.problem(null, "x"));
  }
}
