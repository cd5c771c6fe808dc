package dev.fanout.translate.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The token syntax, read in one place: {@link Unit#tokenEnd}. */
class UnitTokenTest {
  @Test
  void aTokenIsOneToSixDigitsInItsBrackets() {
    assertEquals(3, Unit.tokenEnd("⟦1⟧", 0));
    assertEquals(10, Unit.tokenEnd("a ⟦123456⟧ b", 2));
    assertEquals(Unit.marker(42).length(), Unit.tokenEnd(Unit.marker(42), 0));
    for (String no :
        new String[] {"⟦⟧", "⟦1234567⟧", "⟦1 ⟧", "⟦ 1⟧", "⟦x⟧", "⟦1", "⟦", "1⟧", "⟦١⟧"}) {
      assertEquals(-1, Unit.tokenEnd(no, 0), no);
    }
    assertEquals(-1, Unit.tokenEnd("⟦1⟧", 1));
    assertEquals(-1, Unit.tokenEnd("⟦1⟧", 3));
    assertEquals(-1, Unit.tokenEnd("⟦1⟧", -1));
  }
}
