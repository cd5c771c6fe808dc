package dev.fanout.translate;

import dev.fanout.translate.store.StateStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Decides, for each input item, what the run does with it ({@link Plan}): hashing its text and
 * asking the state store about it. Runs on the one planning thread, outside any lock the batch's
 * workers take, so a slow disk or store delays only the reading of further items.
 */
final class Planner {
  private final JobOptions options;
  private final StateStore store;
  private final RunSettings settings;
  private final JsonlOutputs jsonl;
  private final boolean firstRun; // nothing recorded yet: no lookups needed
  private final MessageDigest sha256;

  /** {@code jsonl} may be null: then no JSON Lines output is written (a dry run). */
  Planner(JobOptions options, StateStore store, RunSettings settings, JsonlOutputs jsonl) {
    this.options = options;
    this.store = store;
    this.settings = settings;
    this.jsonl = jsonl;
    this.firstRun = store.isEmpty();
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("SHA-256 is always present", e);
    }
  }

  /**
   * The plan for one item. A JSON Lines document that will have a line in its output takes its
   * place there now, which may wait while too many earlier lines are still undecided.
   *
   * @throws InterruptedException if interrupted while waiting for a place in a JSON Lines output
   */
  Plan plan(InputItem item) throws InterruptedException {
    if (item instanceof InputItem.Problem p) {
      return new Plan.Problem(p);
    }
    InputItem.Document d = (InputItem.Document) item;
    String hash =
        HexFormat.of().formatHex(sha256.digest(d.text().getBytes(StandardCharsets.UTF_8)));
    Optional<StateStore.Prior> prior = firstRun ? Optional.empty() : store.lookup(d.key());
    if (prior.isPresent() && doneBefore(d, hash, prior.get())) {
      return new Plan.Skip(d, prior.get().translation(), slot(d));
    }
    if (options.retryFailed()
        && !(prior.isPresent() && prior.get().status() == StateStore.Status.FAILED)) {
      return new Plan.NotSelected(d);
    }
    return new Plan.Send(d, hash, slot(d));
  }

  private boolean doneBefore(InputItem.Document d, String hash, StateStore.Prior prior) {
    return prior.status() == StateStore.Status.DONE
        && hash.equals(prior.inputHash())
        && settings.settings(d.tenant()).equals(prior.settings())
        && (d.jsonl() || options.outputsInStore() ? prior.translation() != null : outputExists(d));
  }

  private JsonlOutputs.Slot slot(InputItem.Document d) throws InterruptedException {
    return d.jsonl() && jsonl != null ? jsonl.reserve(d.output()) : null;
  }

  private boolean outputExists(InputItem.Document d) {
    try {
      return Files.isRegularFile(SafePaths.resolveInside(options.out(), d.output()));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
