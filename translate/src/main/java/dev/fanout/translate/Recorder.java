package dev.fanout.translate;

import dev.fanout.Channel;
import dev.fanout.ChannelClosedException;
import dev.fanout.Outcome;
import dev.fanout.translate.store.StateStore;
import dev.fanout.translate.store.StateStore.Cost;
import dev.fanout.translate.store.StateStore.Row;
import java.time.Duration;

/**
 * Records every decision once: counts it, hands its row to the store's writer, and puts a JSON
 * Lines record's line in its output. Plans that need no upstream call come from the planner thread;
 * outcomes of sent documents from the batch's sink. Both may call at once: everything here is
 * thread-safe (counters are adders, the writer's channel and the outputs have their own locks).
 */
final class Recorder {
  private final long run;
  private final RunSettings settings;
  private final TranslateJob.Counters counters;
  private final Channel<StateStore.Change> changes;
  private final JsonlOutputs jsonl;
  private final RunLog log;
  private final Duration maxServerDelay;

  Recorder(
      long run,
      RunSettings settings,
      TranslateJob.Counters counters,
      Channel<StateStore.Change> changes,
      JsonlOutputs jsonl,
      RunLog log,
      Duration maxServerDelay) {
    this.run = run;
    this.settings = settings;
    this.counters = counters;
    this.changes = changes;
    this.jsonl = jsonl;
    this.log = log;
    this.maxServerDelay = maxServerDelay;
  }

  /** A plan that needs no upstream call. */
  void record(Plan plan) {
    switch (plan) {
      case Plan.Skip s -> {
        counters.skipped.increment();
        log.decided(s.doc().tenant(), RunLog.Kind.SKIPPED, 0, 0);
        send(new StateStore.Touch(s.doc().key(), s.doc().line(), run));
        line(s.slot(), s.doc(), s.priorTranslation());
      }
      case Plan.NotSelected n -> {
        counters.notSelected.increment();
        log.decided(n.doc().tenant(), RunLog.Kind.NOT_SELECTED, 0, 0);
      }
      case Plan.Problem p -> {
        StateStore.Failure why = p.problem().failure();
        counters.fail(why.reason());
        log.decided(p.problem().entry().tenant(), RunLog.Kind.FAILED, 0, 0);
        send(
            new StateStore.Put(
                Row.problem(
                    p.problem().entry(),
                    settings.settings(p.problem().entry().tenant()),
                    why,
                    run)));
      }
      case Plan.Send s ->
          throw new IllegalArgumentException("a document to send goes to the batch");
    }
  }

  /**
   * The outcome of a document that was sent: the batch's sink. The units it paid for are remembered
   * whatever became of the document: a unit is never paid for twice.
   */
  void record(Outcome<Sender.Work, String> outcome) {
    Sender.Work w = outcome.item();
    for (StateStore.Memory unit : w.learned()) {
      send(new StateStore.Remember(unit, run));
    }
    Plan.Send s = w.plan();
    Cost cost = new Cost(outcome.attempts(), w.calls(), w.chars());
    switch (outcome) {
      case Outcome.Success<Sender.Work, String> ok -> {
        counters.translated.increment();
        log.decided(
            s.doc().tenant(), RunLog.Kind.TRANSLATED, w.calls(), w.chars(), w.memoryChars());
        for (String warning : w.warnings()) {
          log.warn(s.doc().origin(), warning);
        }
        send(
            new StateStore.Put(
                Row.done(
                    s.doc().entry(),
                    s.hash(),
                    settings.settings(s.doc().tenant()),
                    cost,
                    ok.value(),
                    run)));
        line(s.slot(), s.doc(), ok.value());
      }
      case Outcome.Failure<Sender.Work, String> f -> {
        StateStore.Failure why = Failures.of(f.error(), f.attempts(), maxServerDelay);
        counters.fail(why.reason());
        log.decided(s.doc().tenant(), RunLog.Kind.FAILED, w.calls(), w.chars(), w.memoryChars());
        send(
            new StateStore.Put(
                Row.failed(
                    s.doc().entry(),
                    s.hash(),
                    settings.settings(s.doc().tenant()),
                    cost,
                    why,
                    run)));
        line(s.slot(), s.doc(), null);
      }
    }
  }

  private void line(JsonlOutputs.Slot slot, InputItem.Document doc, String translation) {
    if (slot != null) {
      jsonl.resolve(
          slot,
          translation == null ? null : new JsonlOutputs.Line(doc.id(), doc.tenant(), translation));
    }
  }

  /**
   * Hands a change to the writer, waiting while it lags (back-pressure). An interrupt does not drop
   * the record: the writer either takes it or has failed, which closes the channel and ends the
   * wait; the interrupt status is kept for the caller.
   */
  private void send(StateStore.Change change) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          changes.send(change);
          return;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ChannelClosedException e) {
          throw new IllegalStateException("the state store writer stopped", e);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
