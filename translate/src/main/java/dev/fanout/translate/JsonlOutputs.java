package dev.fanout.translate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The run's JSON Lines outputs, written as their documents are decided, in input order, each into a
 * temporary file beside its target that {@link #finish()} moves into place atomically.
 *
 * <p>The planner {@linkplain #reserve reserves} a slot for each record that will have a line (sent
 * or skipped), in the order it reads them; whoever decides the record {@linkplain #resolve
 * resolves} its slot with its line, or with none when it failed. A line is written as soon as every
 * slot before it in its file is resolved. Lines decided early wait in memory for the ones before
 * them, so at most {@code maxPending} slots may be reserved and not yet written: the planner waits
 * beyond that (back-pressure: a record waiting out a long {@code Retry-After} then slows the
 * reading of further records, never the ones already in the batch). Not reading records back from
 * the state store at the end is the point: a record is written once, when it is decided.
 *
 * <p>Thread-safe: one lock guards everything; the writes happen under it.
 */
final class JsonlOutputs {
  /** A record's place in its output. */
  record Slot(Output output, long seq) {}

  /** One output line. */
  record Line(String id, String tenant, String text) {}

  private static final Line NONE = new Line(null, null, null); // a resolved slot without a line
  private static final JsonFactory JSON = new JsonFactory();

  private final Path out;
  private final int maxPending;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition space = lock.newCondition();
  private final Map<String, Output> outputs = new LinkedHashMap<>(); // guarded by lock
  private int pending; // reserved and not yet written or dropped; guarded by lock
  private boolean stopped; // guarded by lock

  JsonlOutputs(Path out, int maxPending) {
    this.out = out;
    this.maxPending = maxPending;
  }

  /** One output file: {@code OUT/<name>.jsonl}. All fields guarded by the outer lock. */
  final class Output {
    final String name;
    private final Map<Long, Line> resolved = new HashMap<>();
    private long nextSeq; // the next slot to hand out
    private long nextWrite; // the next slot to write
    private Path tmp;
    private JsonGenerator json;

    Output(String name) {
      this.name = name;
    }

    private void write(Line line) throws IOException {
      if (json == null) {
        open();
      }
      json.writeStartObject();
      json.writeStringField("id", line.id());
      json.writeStringField("tenant", line.tenant());
      json.writeStringField("text", line.text());
      json.writeEndObject();
      json.writeRaw('\n');
    }

    private void open() throws IOException {
      Path target = SafePaths.resolveInside(out, name);
      Files.createDirectories(target.getParent());
      tmp = SafePaths.newFileBeside(target);
      json = JSON.createGenerator(Files.newBufferedWriter(tmp, StandardCharsets.UTF_8));
      json.setPrettyPrinter(new MinimalPrettyPrinter(""));
    }

    /** Writes every resolved line that no earlier unresolved slot holds back. */
    private void drain() throws IOException {
      Line l;
      while ((l = resolved.remove(nextWrite)) != null) {
        nextWrite++;
        pending--;
        if (l != NONE) {
          write(l);
        }
      }
    }
  }

  /**
   * Takes the next place in output {@code name}, waiting while {@code maxPending} places are taken
   * and not yet written.
   *
   * @throws InterruptedException if interrupted while waiting
   * @throws CancellationException once {@link #stop()} was called
   */
  Slot reserve(String name) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (pending >= maxPending && !stopped) {
        space.await();
      }
      if (stopped) {
        throw new CancellationException("the run is stopping: no more JSON Lines records");
      }
      Output o = outputs.computeIfAbsent(name, Output::new);
      pending++;
      return new Slot(o, o.nextSeq++);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Resolves a slot: with its line, or with none ({@code line == null}) when the record failed.
   *
   * @throws UncheckedIOException when the output cannot be written (fatal for the run)
   */
  void resolve(Slot slot, Line line) {
    lock.lock();
    try {
      slot.output().resolved.put(slot.seq(), line == null ? NONE : line);
      slot.output().drain();
      space.signalAll();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + slot.output().name + ": " + e, e);
    } finally {
      lock.unlock();
    }
  }

  /** No more reservations: a planner waiting for a place gets a {@link CancellationException}. */
  void stop() {
    lock.lock();
    try {
      stopped = true;
      space.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Writes what is left, in order (a stopped run leaves gaps where records were never decided: they
   * are simply not there), and moves every output into place.
   */
  void finish() throws IOException {
    lock.lock();
    try {
      for (Output o : outputs.values()) {
        for (long s = o.nextWrite; s < o.nextSeq; s++) {
          Line l = o.resolved.remove(s);
          if (l != null && l != NONE) {
            o.write(l);
          }
        }
        if (o.json == null) {
          o.open(); // every record failed: the output is empty, not missing
        }
        o.json.close();
        SafePaths.move(o.tmp, SafePaths.resolveInside(out, o.name));
        o.tmp = null;
      }
    } finally {
      lock.unlock();
      abandon();
    }
  }

  /** Deletes the temporary files of outputs not moved into place (a run that failed). */
  void abandon() {
    lock.lock();
    try {
      for (Output o : outputs.values()) {
        if (o.tmp != null) {
          try {
            if (o.json != null) {
              o.json.close();
            }
          } catch (IOException e) {
            // deleting it anyway
          }
          try {
            Files.deleteIfExists(o.tmp);
          } catch (IOException e) {
            // a stray .fanout-*.tmp file in the output directory: harmless, named as ours
          }
          o.tmp = null;
        }
      }
    } finally {
      lock.unlock();
    }
  }
}
