package io.nattery.cloud.trading;

/** Placeholder until the optimiser branch (issue5-optimiser) is merged; replaced by it. */
public final class DispatchOptimiser {

  public Plan plan(PlanRequest request) {
    throw new UnsupportedOperationException("the optimiser is not merged yet");
  }
}
