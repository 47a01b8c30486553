package io.nattery.edge.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EdgeStoreTest {
  @TempDir
  Path dir;

  @Test
  void theOutboxSurvivesARestartInOrder() throws Exception {
    try (EdgeStore store = new EdgeStore(dir.resolve("e.db"), 100)) {
      store.enqueue("devices/a/ack", 1, "{\"n\":1}", false);
      store.enqueue("devices/a/telemetry", 1, "{\"n\":2}", true);
      store.enqueue("devices/a/alarms", 1, "{\"n\":3}", false);
    }
    try (EdgeStore store = new EdgeStore(dir.resolve("e.db"), 100)) {
      List<EdgeStore.OutboxEntry> entries = store.peek(0, 10);
      assertEquals(List.of("{\"n\":1}", "{\"n\":2}", "{\"n\":3}"), entries.stream().map(EdgeStore.OutboxEntry::payload).toList());
      store.delete(entries.get(0).id());
      assertEquals(2, store.depth());
      assertEquals(1, store.peek(entries.get(1).id(), 10).size());
    }
  }

  @Test
  void pastItsBoundTheOutboxDropsTheOldestTelemetryFirst() throws Exception {
    try (EdgeStore store = new EdgeStore(dir.resolve("e.db"), 10)) {
      store.enqueue("ack", 1, "ack-0", false);
      for (int i = 0; i < 12; i++) {
        store.enqueue("telemetry", 1, "t-" + i, true);
      }
      List<String> kept = store.peek(0, 100).stream().map(EdgeStore.OutboxEntry::payload).toList();
      assertEquals(10, kept.size());
      assertEquals("ack-0", kept.get(0), "the ack outlives older telemetry");
      assertEquals("t-3", kept.get(1));
      assertEquals(3, store.dropped());
    }
  }

  @Test
  void aSlotIsMarkedAndAckedOnceAndTheScheduleWithItsAppliedAck() throws Exception {
    try (EdgeStore store = new EdgeStore(dir.resolve("e.db"), 100)) {
      store.applySchedule("s-1", 7, "{\"slots\":[]}", "devices/a/ack", "applied");
      assertTrue(store.markSlotExecuted("s-1", "2026-11-23T00:15:00Z", "devices/a/ack", "exec-1"));
      assertFalse(store.markSlotExecuted("s-1", "2026-11-23T00:15:00Z", "devices/a/ack", "exec-1 again"));
      assertTrue(store.slotExecuted("s-1", "2026-11-23T00:15:00Z"));
      assertEquals(List.of("applied", "exec-1"), store.peek(0, 10).stream().map(EdgeStore.OutboxEntry::payload).toList());
    }
    try (EdgeStore store = new EdgeStore(dir.resolve("e.db"), 100)) {
      EdgeStore.StoredSchedule applied = store.appliedSchedule().orElseThrow();
      assertEquals("s-1", applied.scheduleId());
      assertEquals(7, applied.version());
    }
  }
}
