package io.nattery.cloud;

/**
 * Event-bus addresses of the cloud. Internal ones start with {@code cloud.}; what a browser may see will
 * carry its own prefix so that the SockJS bridge needs one rule.
 */
public final class Addresses {

  /** Request-reply, local to the node: store a contract-valid telemetry sample; answered once it is written. */
  public static final String TELEMETRY_STORE = "cloud.history.store";
  /** Request-reply: the history writer's counters. */
  public static final String HISTORY_STATS = "cloud.history.stats";
  /**
   * Published: telemetry that passed ingestion (JSON of the contract), for device state and live views. Every
   * local consumer gets the same instance ({@link SharedJsonCodec}): read it, never change it.
   */
  public static final String TELEMETRY_ACCEPTED = "cloud.ingest.telemetry";
  /** Published: device status (LWT and online messages) that passed ingestion. */
  public static final String STATUS_ACCEPTED = "cloud.ingest.status";
  /** Published: Health messages that passed ingestion (JSON of the contract), for device state and alerts. */
  public static final String HEALTH_ACCEPTED = "cloud.ingest.health";
  /** Published: Alarm messages that passed ingestion (JSON of the contract), for alerts. */
  public static final String ALARM_ACCEPTED = "cloud.ingest.alarm";
  /**
   * Published, local to the node: a device condition began or ended
   * {@code {"type","device_id","code"?,"severity","active","at","detail"}}; the alerts verticle raises and clears.
   */
  public static final String DEVICE_CONDITION = "cloud.alerts.condition";
  /**
   * Published, cluster-wide, by whatever provisions a device: {@code {"device_id","site"}}, so that every node's
   * registry copy takes it at once rather than at its next sync.
   */
  public static final String DEVICE_PROVISIONED = "cloud.registry.provisioned";
  /** Request-reply, local to the node: the device-state verticle's counters (seq gaps, duplicates, late, ...). */
  public static final String STATE_STATS = "cloud.state.stats";
  /** Request-reply, local to the node: ingestion counters and link state. */
  public static final String INGEST_STATS = "cloud.ingest.stats";
  /** Request-reply, local to the node: {@code {"op":"get","device_id"}} or {@code {"op":"list","limit","cursor","online"}}. */
  public static final String DEVICE_QUERY = "cloud.device.query";

  /**
   * Request-reply, local to the node: publish {@code {"topic","payload" (string),"qos","retain"}} on the node's
   * broker link; answered once the broker acknowledged it, failed (503) when the link is down.
   */
  public static final String MQTT_PUBLISH = "cloud.mqtt.publish";

  /**
   * Request-reply, cluster-wide, answered by the node that runs settlement: settle now, the regular window
   * ({@code {}}) or an explicit one ({@code {"from","to"}}, ISO-8601); answered with the run's summary.
   */
  public static final String SETTLEMENT_RUN = "cloud.settlement.run";

  /** Published, cluster-wide and to browsers: {@code {"zone","delivery_day","stale","curve": PriceCurve | null}}. */
  public static final String PRICES_UPDATED = "prices.updated";
  /** Request-reply, local to the node: the price fetcher's counters, whether this node runs it, stale zones. */
  public static final String PRICES_STATS = "cloud.prices.stats";
  /** Published, cluster-wide and to browsers: an alert raised or cleared (see the alerts of PROTOCOL.md). */
  public static final String ALERTS = "alerts";

  /**
   * Request-reply to the node that runs trading: {@code {"device_id"}} or {@code {"zone","day"}} plans again now;
   * answered with {@code {"planned","skipped","failed"}} counts.
   */
  public static final String TRADING_PLAN = "cloud.trading.plan";

  /**
   * Published, cluster-wide and to browsers: a schedule's ack state moved
   * {@code {"schedule_id","device_id","version","status","reason","ts"}} ({@code "flagged": true} when redelivery
   * gave up on it).
   */
  public static final String SCHEDULES_STATUS = "schedules.status";
  /**
   * Request-reply, local to the node: an ack, execution report or command result that passed ingestion,
   * {@code {"kind": "ack" | "command_result", "body"}}; answered once it is durable (queued in RabbitMQ, or stored).
   */
  public static final String DEVICE_REPORT = "cloud.reports.accept";
  /** Request-reply, local to the node: the report pipeline's counters. */
  public static final String REPORTS_STATS = "cloud.reports.stats";
  /** Request-reply, local to the node: the redelivery job's counters. */
  public static final String DISPATCH_STATS = "cloud.dispatch.stats";
  /**
   * Published, cluster-wide, by each node's SockJS bridge every few seconds and when it changes:
   * {@code {"node","addresses":[...]}}, the per-device bridge addresses its clients listen to.
   */
  public static final String BRIDGE_INTEREST = "cloud.bridge.interest";
  /**
   * Sent, cluster-wide, to the node that computes {@code fleet.summary}: the latest sample of each device this node
   * ingested in the last second, {@code {"samples":[[id, ts_ms, soc_pct, battery_w, pv_w, grid_w, load_w, alarms]]}}.
   */
  public static final String FLEET_PARTIAL = "cloud.fleet.partial";

  private Addresses() {
  }
}
