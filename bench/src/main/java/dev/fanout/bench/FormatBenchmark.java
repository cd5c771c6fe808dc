package dev.fanout.bench;

import dev.fanout.translate.format.DocumentFormat;
import dev.fanout.translate.format.Extraction;
import dev.fanout.translate.format.FormatException;
import dev.fanout.translate.format.Formats;
import dev.fanout.translate.format.Unit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The format layer's own cost per document, without a backend: take the document apart into units,
 * check an answer for each (the unit's own text, as an engine that changes nothing would give), and
 * put the document back together. The same document as Markdown and as plain text, so the
 * difference is what parsing Markdown costs. {@code paragraphs} sizes the document (1 is a short
 * support ticket, 20 a page of documentation).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class FormatBenchmark {
  @Param({"1", "20"})
  public int paragraphs;

  private final Formats formats = new Formats();
  private String document;

  @Setup
  public void setUp() {
    StringBuilder d = new StringBuilder("---\ntitle: The printer guide\nlayout: page\n---\n\n");
    d.append("# Setting up the printer\n\n");
    for (int i = 0; i < paragraphs; i++) {
      d.append("Please call me back about the invoice: run `fanout translate` again after the ")
          .append("[last update](https://example.org/")
          .append(i)
          .append(") and read **the notes** first, as {name} said.\n")
          .append("The delivery arrived late again this week, thank you for your help.\n\n");
      if (i % 5 == 4) {
        d.append("- the order\n- the `--rate 50` flag\n\n```sh\nfanout translate docs\n```\n\n");
      }
    }
    document = d.toString();
  }

  @Benchmark
  public String markdown() throws FormatException {
    return roundTrip(DocumentFormat.MARKDOWN);
  }

  @Benchmark
  public String text() throws FormatException {
    return roundTrip(DocumentFormat.TEXT);
  }

  private String roundTrip(DocumentFormat format) throws FormatException {
    Extraction x = formats.extract(format, document);
    List<String> answers = new ArrayList<>(x.units().size());
    for (Unit u : x.units()) {
      answers.add(u.check(u.text()));
    }
    return x.assemble(answers).text();
  }
}
