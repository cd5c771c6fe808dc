package dev.fanout.translate.format;

import dev.fanout.translate.TranslationException;
import dev.fanout.translate.TranslationRequest;
import dev.fanout.translate.backend.PseudoTranslator;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Runs a document through the format layer with a stand-in engine. */
final class FormatsTestSupport {
  private FormatsTestSupport() {}

  /** Upper-cases the words of every unit, leaving tokens and line breaks alone. */
  static String upper(String unitText) {
    StringBuilder out = new StringBuilder();
    boolean inToken = false;
    for (char c : unitText.toCharArray()) {
      if (c == Unit.OPEN) {
        inToken = true;
      } else if (c == Unit.CLOSE) {
        inToken = false;
      }
      out.append(inToken || c == Unit.CLOSE ? c : Character.toUpperCase(c));
    }
    return out.toString();
  }

  /** The real pseudo backend as an engine: what a run with {@code --backend pseudo} sends back. */
  static UnaryOperator<String> pseudo() {
    PseudoTranslator pseudo = new PseudoTranslator();
    return t -> {
      try {
        return pseudo.translate(
            new TranslationRequest(t, "en", "es", TranslationRequest.Format.TEXT, null));
      } catch (TranslationException e) {
        throw new AssertionError(e);
      }
    };
  }

  static Extraction.Assembled run(
      Formats formats, DocumentFormat format, String source, UnaryOperator<String> engine)
      throws FormatException {
    Extraction x = formats.extract(format, source);
    List<String> answers = new ArrayList<>();
    for (Unit u : x.units()) {
      answers.add(engine.apply(u.text()));
    }
    return x.assemble(answers);
  }

  static List<String> texts(Formats formats, DocumentFormat format, String source) {
    return formats.extract(format, source).units().stream().map(Unit::text).toList();
  }
}
