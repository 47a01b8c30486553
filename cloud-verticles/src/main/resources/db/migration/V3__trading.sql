-- A device's trading strategy and battery model, as GET/PUT /api/v1/strategies/{device_id} show it.
CREATE TABLE strategies (
  device_id  text PRIMARY KEY REFERENCES devices (device_id) ON DELETE CASCADE,
  strategy   jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text
);

-- Schedule versions rise by one per device; taken with UPDATE ... RETURNING so that two writers never share one.
ALTER TABLE devices ADD COLUMN schedule_version bigint NOT NULL DEFAULT 0;

-- What the trading run planned: one row per schedule it emitted, with the value it expected.
CREATE TABLE trading_plans (
  schedule_id       uuid PRIMARY KEY,
  device_id         text NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
  zone              text NOT NULL,
  delivery_day      date NOT NULL,
  version           bigint NOT NULL,
  strategy          text NOT NULL,
  planned_value_eur double precision NOT NULL,
  optimal           boolean NOT NULL,
  slots             jsonb NOT NULL,            -- [{"start","end","mode","rate_kw","price","soc_pct"}]
  created_at        timestamptz NOT NULL DEFAULT now(),
  published_at      timestamptz                -- null until the broker took the schedule
);
-- delivery_day is the last day a schedule reaches (it runs from when it was planned to the end of that day)
CREATE INDEX trading_plans_device_day ON trading_plans (device_id, delivery_day);
CREATE INDEX trading_plans_day ON trading_plans (delivery_day, device_id);
