package io.nattery.edge.rtu;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The overlap check of the RTU tests must be able to fail: fed traces with and without overlap. */
class BusTraceTest {
  private static final String REQUEST = " 01 03 9c 87 00 02 5a 72";
  private static final String RESPONSE = " 01 03 04 00 08 00 00 7b f1";

  @Test
  void alternatingRequestsAndResponsesAreClean() {
    BusTrace trace = BusTrace.parse(List.of(
        "> 2026/11/22 23:13:39.000878840  length=8 from=0 to=7", REQUEST,
        "< 2026/11/22 23:13:39.000879755  length=9 from=0 to=8", RESPONSE,
        "> 2026/11/22 23:13:40.000878840  length=8 from=8 to=15", REQUEST,
        "< 2026/11/22 23:13:40.000879755  length=9 from=9 to=17", " 01 03 04 00", " 08 00 00 7b f1"));

    assertEquals(2, trace.requests());
    assertEquals(2, trace.responses());
    assertTrue(trace.violations().isEmpty(), trace.toString());
  }

  @Test
  void aRetrySentBeforeTheLateAnswerIsAViolation() {
    BusTrace trace = BusTrace.parse(List.of(
        "> t", REQUEST,
        "> t", REQUEST,
        "< t", RESPONSE,
        "< t", RESPONSE));

    assertEquals(1, trace.violations().size(), trace.toString());
  }

  @Test
  void aRequestInTheMiddleOfAResponseIsAViolation() {
    BusTrace trace = BusTrace.parse(List.of(
        "> t", REQUEST,
        "< t", " 01 03 04 00",
        "> t", REQUEST,
        "< t", " 08 00 00 7b f1"));

    assertTrue(trace.violations().get(0).contains("incomplete"), trace.toString());
  }
}
