-- Alerts, one row per episode: raised once, cleared once. alert_key names what it is about
-- (device_offline/{device}, device_alarm/{device}/{code}, prices_stale/{zone}/{day}, ...): at most one open per key.
CREATE TABLE alerts (
  id                   bigserial PRIMARY KEY,
  alert_id             text NOT NULL UNIQUE,
  alert_key            text NOT NULL,
  type                 text NOT NULL,
  severity             text NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
  device_id            text,
  zone                 text,
  detail               text,
  raised_at            timestamptz NOT NULL,
  cleared_at           timestamptz,
  cleared_detail       text,
  -- whether the condition behind the alert holds now, and since when: an alert clears only after its condition
  -- has been gone for the hold-down, so a flapping device raises and clears once
  condition_active     boolean NOT NULL DEFAULT true,
  condition_changed_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX alerts_open_key ON alerts (alert_key) WHERE cleared_at IS NULL;
CREATE INDEX alerts_newest ON alerts (id DESC);
CREATE INDEX alerts_open ON alerts (id DESC) WHERE cleared_at IS NULL;
