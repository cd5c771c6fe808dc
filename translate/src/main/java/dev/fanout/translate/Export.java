package dev.fanout.translate;

import dev.fanout.translate.store.Postgres;
import dev.fanout.translate.store.PostgresStateStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the outputs of a batch shared through PostgreSQL (docs/adr/0015) from the translations its
 * workers recorded: each translated file under its output path, each JSON Lines output with one
 * line per translated record in input order. The bytes are those a run on one machine writes for
 * the same inputs (the same splicing, the same JSON Lines writer); documents that failed have no
 * output, as there.
 *
 * <p>Every output is written atomically (a temporary file beside it, then moved), and never outside
 * the output directory. Failure: an output that cannot be written stops the export with {@link
 * IOException}; the outputs already written stay.
 */
public final class Export {
  private Export() {}

  /**
   * What was written.
   *
   * @param files translated files written
   * @param records JSON Lines records written
   */
  public record Result(long files, long records) {}

  /**
   * Writes every translated document of {@code db} under {@code out}.
   *
   * @throws IOException when an output cannot be written
   */
  public static Result write(Postgres db, Path out) throws IOException {
    Files.createDirectories(out);
    JsonlOutputs jsonl = new JsonlOutputs(out, Integer.MAX_VALUE);
    long[] counts = new long[2];
    try {
      PostgresStateStore.over(db)
          .outputs(
              o -> {
                try {
                  if (o.format() != null && o.format().startsWith(ClusterWorker.JSONL)) {
                    jsonl.resolve(
                        jsonl.reserve(o.output()),
                        new JsonlOutputs.Line(o.id(), o.tenant(), o.text()));
                    counts[1]++;
                  } else {
                    SafePaths.writeAtomically(
                        SafePaths.resolveInside(out, o.output()),
                        o.text().getBytes(StandardCharsets.UTF_8));
                    counts[0]++;
                  }
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                  // never: the outputs' room is unbounded; say so if it ever is not
                  Thread.currentThread().interrupt();
                  throw new IllegalStateException("interrupted", e);
                }
              });
      jsonl.finish();
    } catch (UncheckedIOException e) {
      jsonl.abandon();
      throw e.getCause();
    } catch (RuntimeException | IOException e) {
      jsonl.abandon();
      throw e;
    }
    return new Result(counts[0], counts[1]);
  }
}
