package io.nattery.edge.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The edge's one SQLite file: the applied schedule, the slots already executed, and the outbox of MQTT
 * messages not yet acknowledged by the broker. One file, so that "slot executed" and "its ack is queued"
 * (or "schedule stored" and "APPLIED queued") commit together: after a crash either both happened or
 * neither, and nothing is acked twice. Blocking JDBC: call it from executeBlocking or a worker only.
 * All methods are synchronized on one connection; the edge writes a few rows a second at most.
 */
public final class EdgeStore implements AutoCloseable {

  /** The schedule last applied: its id, version and the JSON as received. */
  public record StoredSchedule(String scheduleId, long version, String json) {
  }

  /** One queued MQTT message. */
  public record OutboxEntry(long id, String topic, int qos, String payload, boolean telemetry) {
  }

  private final Connection connection;
  private final int maxRows;
  private long dropped;

  /**
   * @param file    the database file (its directory is created)
   * @param maxRows the outbox bound: past it, the oldest telemetry goes first, then the oldest anything
   */
  public EdgeStore(Path file, int maxRows) throws SQLException, IOException {
    if (maxRows < 10) {
      throw new IllegalArgumentException("store.max_buffered must be >= 10, got " + maxRows);
    }
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    this.maxRows = maxRows;
    connection = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
    try (Statement s = connection.createStatement()) {
      // WAL + NORMAL: a commit survives a process crash; a power cut may lose the last few, never corrupt the file
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=NORMAL");
      s.execute("CREATE TABLE IF NOT EXISTS applied_schedule (one INTEGER PRIMARY KEY CHECK (one = 1),"
          + " schedule_id TEXT NOT NULL, version INTEGER NOT NULL, json TEXT NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS executed_slot (schedule_id TEXT NOT NULL, slot_start TEXT NOT NULL,"
          + " PRIMARY KEY (schedule_id, slot_start))");
      s.execute("CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL,"
          + " qos INTEGER NOT NULL, payload TEXT NOT NULL, telemetry INTEGER NOT NULL)");
    }
    connection.setAutoCommit(false);
  }

  public synchronized Optional<StoredSchedule> appliedSchedule() throws SQLException {
    try (Statement s = connection.createStatement();
         ResultSet rs = s.executeQuery("SELECT schedule_id, version, json FROM applied_schedule")) {
      Optional<StoredSchedule> result = rs.next()
          ? Optional.of(new StoredSchedule(rs.getString(1), rs.getLong(2), rs.getString(3))) : Optional.empty();
      connection.commit();
      return result;
    }
  }

  /** Stores the schedule as the applied one and queues its APPLIED ack, in one transaction. */
  public synchronized void applySchedule(String scheduleId, long version, String json, String ackTopic, String ackPayload)
      throws SQLException {
    try (PreparedStatement p = connection.prepareStatement(
        "INSERT OR REPLACE INTO applied_schedule (one, schedule_id, version, json) VALUES (1, ?, ?, ?)")) {
      p.setString(1, scheduleId);
      p.setLong(2, version);
      p.setString(3, json);
      p.executeUpdate();
      insert(ackTopic, 1, ackPayload, false);
      connection.commit();
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    }
  }

  public synchronized boolean slotExecuted(String scheduleId, String slotStart) throws SQLException {
    try (PreparedStatement p = connection.prepareStatement(
        "SELECT 1 FROM executed_slot WHERE schedule_id = ? AND slot_start = ?")) {
      p.setString(1, scheduleId);
      p.setString(2, slotStart);
      try (ResultSet rs = p.executeQuery()) {
        boolean executed = rs.next();
        connection.commit();
        return executed;
      }
    }
  }

  /**
   * Marks a slot executed and queues its execution ack together. False (and nothing queued) when the slot
   * was marked before: the caller must not ack it again.
   */
  public synchronized boolean markSlotExecuted(String scheduleId, String slotStart, String ackTopic, String ackPayload)
      throws SQLException {
    try (PreparedStatement p = connection.prepareStatement(
        "INSERT OR IGNORE INTO executed_slot (schedule_id, slot_start) VALUES (?, ?)")) {
      p.setString(1, scheduleId);
      p.setString(2, slotStart);
      if (p.executeUpdate() == 0) {
        connection.rollback();
        return false;
      }
      insert(ackTopic, 1, ackPayload, false);
      connection.commit();
      return true;
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    }
  }

  /** Queues one message for the broker. */
  public synchronized void enqueue(String topic, int qos, String payload, boolean telemetry) throws SQLException {
    try {
      insert(topic, qos, payload, telemetry);
      connection.commit();
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    }
  }

  private void insert(String topic, int qos, String payload, boolean telemetry) throws SQLException {
    try (PreparedStatement p = connection.prepareStatement("INSERT INTO outbox (topic, qos, payload, telemetry) VALUES (?, ?, ?, ?)")) {
      p.setString(1, topic);
      p.setInt(2, qos);
      p.setString(3, payload);
      p.setInt(4, telemetry ? 1 : 0);
      p.executeUpdate();
    }
    trim();
  }

  /** Keeps the outbox within its bound: oldest telemetry first, then the oldest of anything (counted as dropped). */
  private void trim() throws SQLException {
    long excess = depthNow() - maxRows;
    if (excess <= 0) {
      return;
    }
    try (PreparedStatement p = connection.prepareStatement(
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY telemetry DESC, id ASC LIMIT ?)")) {
      p.setLong(1, excess);
      dropped += p.executeUpdate();
    }
  }

  /** The oldest queued messages after {@code afterId}, in order. */
  public synchronized List<OutboxEntry> peek(long afterId, int limit) throws SQLException {
    List<OutboxEntry> entries = new ArrayList<>();
    try (PreparedStatement p = connection.prepareStatement(
        "SELECT id, topic, qos, payload, telemetry FROM outbox WHERE id > ? ORDER BY id LIMIT ?")) {
      p.setLong(1, afterId);
      p.setInt(2, limit);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          entries.add(new OutboxEntry(rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getString(4), rs.getInt(5) == 1));
        }
      }
    }
    connection.commit();
    return entries;
  }

  public synchronized void delete(long id) throws SQLException {
    try (PreparedStatement p = connection.prepareStatement("DELETE FROM outbox WHERE id = ?")) {
      p.setLong(1, id);
      p.executeUpdate();
      connection.commit();
    }
  }

  public synchronized long depth() throws SQLException {
    long depth = depthNow();
    connection.commit();
    return depth;
  }

  public synchronized long telemetryDepth() throws SQLException {
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM outbox WHERE telemetry = 1")) {
      rs.next();
      long n = rs.getLong(1);
      connection.commit();
      return n;
    }
  }

  private long depthNow() throws SQLException {
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM outbox")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Messages dropped to keep the bound, since this process started. */
  public synchronized long dropped() {
    return dropped;
  }

  @Override
  public synchronized void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      // closing on shutdown: nothing left to do with the error
    }
  }
}
