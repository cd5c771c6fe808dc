package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * core's public surface, listed: a type added or removed fails this test until the list below is
 * changed with it, so growth is a decision (docs/adr/0009 says why each type is here and what was
 * cut). The budget is 20 types, nested ones included.
 */
class PublicApiTest {
  static final int BUDGET = 20;

  static final List<String> PUBLIC_TYPES =
      List.of(
          "Batch",
          "Batch.Summary",
          "BatchListener",
          "BatchResult",
          "Channel",
          "ChannelClosedException",
          "FailedException",
          "Outcome",
          "Outcome.Failure",
          "Outcome.Success",
          "RateLimiter",
          "RetryPolicy",
          "Select",
          "Select.Clause",
          "Subtask",
          "Subtask.State",
          "Task",
          "TaskGroup",
          "TaskGroup.Config",
          "Ticker");

  /** Every public type in the compiled main classes, named as in source ("Outer.Inner"). */
  static Set<String> publicTypes() throws IOException, ClassNotFoundException {
    Path classes = Path.of("target/classes/dev/fanout");
    Set<String> found = new TreeSet<>();
    try (Stream<Path> files = Files.list(classes)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        String binary = f.getFileName().toString().replace(".class", "");
        Class<?> c =
            Class.forName("dev.fanout." + binary, false, PublicApiTest.class.getClassLoader());
        if (c.isAnonymousClass() || c.isLocalClass() || c.isSynthetic()) {
          continue;
        }
        boolean visible = true;
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
          visible &= Modifier.isPublic(k.getModifiers());
        }
        if (visible) {
          found.add(binary.replace('$', '.'));
        }
      }
    }
    return found;
  }

  @Test
  void thePublicTypesAreExactlyTheListedOnes() throws Exception {
    assertEquals(new TreeSet<>(PUBLIC_TYPES), publicTypes());
  }

  @Test
  void theSurfaceStaysWithinItsBudget() {
    assertTrue(
        PUBLIC_TYPES.size() <= BUDGET,
        PUBLIC_TYPES.size() + " public types, budget " + BUDGET + ": cut one or record why not");
  }

  /** The module descriptor: one exported package, nothing required beyond java.base. */
  @Test
  void theModuleExportsOnlyDevFanoutAndRequiresNothing() {
    ModuleReference ref =
        ModuleFinder.of(Path.of("target/classes")).find("dev.fanout").orElseThrow();
    ModuleDescriptor d = ref.descriptor();
    assertEquals(
        Set.of("dev.fanout"),
        d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
    assertTrue(d.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified));
    assertEquals(
        Set.of("java.base"),
        d.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()));
    assertTrue(d.opens().isEmpty(), "nothing opened for reflection");
  }
}
