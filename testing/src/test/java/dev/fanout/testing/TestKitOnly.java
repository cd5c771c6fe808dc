package dev.fanout.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks a fixture class whose tests are meant to be run only by an {@code EngineTestKit} run that
 * sets the configuration parameter {@value #PARAMETER}: some of them fail on purpose. (Surefire
 * does not pick nested classes anyway; this also keeps IDE runs off them.)
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(TestKitOnly.Condition.class)
@interface TestKitOnly {

  String PARAMETER = "fanout.testing.fixtures";

  final class Condition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      return context.getConfigurationParameter(PARAMETER, Boolean::parseBoolean).orElse(false)
          ? ConditionEvaluationResult.enabled("run by the test kit")
          : ConditionEvaluationResult.disabled("fixture: run only through EngineTestKit");
    }
  }
}
