-- migration 1 (druid tables), sqlite, table prefix druid
CREATE TABLE druid_segments (
  id VARCHAR(255) NOT NULL PRIMARY KEY,
  dataSource VARCHAR(255) NOT NULL,
  created_date VARCHAR(255) NOT NULL,
  "start" VARCHAR(255) NOT NULL,
  "end" VARCHAR(255) NOT NULL,
  partitioned BOOLEAN NOT NULL,
  version VARCHAR(255) NOT NULL,
  used BOOLEAN NOT NULL,
  payload BLOB NOT NULL,
  used_status_last_updated VARCHAR(255) NOT NULL,
  num_rows BIGINT,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT NOT NULL
);
CREATE INDEX idx_druid_segments_used ON druid_segments(used);
CREATE INDEX idx_druid_segments_datasource_used_end_start ON druid_segments(dataSource, used, end_ms, start_ms);
CREATE TABLE druid_pendingSegments (
  id VARCHAR(255) NOT NULL PRIMARY KEY,
  dataSource VARCHAR(255) NOT NULL,
  created_date VARCHAR(255) NOT NULL,
  "start" VARCHAR(255) NOT NULL,
  "end" VARCHAR(255) NOT NULL,
  sequence_name VARCHAR(255) NOT NULL,
  sequence_prev_id VARCHAR(255) NOT NULL,
  sequence_name_prev_id_sha1 VARCHAR(255) NOT NULL UNIQUE,
  payload BLOB NOT NULL,
  upgraded_from_segment_id VARCHAR(255),
  task_allocator_id VARCHAR(255),
  start_ms BIGINT NOT NULL,
  end_ms BIGINT NOT NULL
);
CREATE INDEX idx_druid_pendingSegments_datasource_end ON druid_pendingSegments(dataSource, end_ms);
CREATE INDEX idx_druid_pendingSegments_datasource_sequence ON druid_pendingSegments(dataSource, sequence_name);
CREATE TABLE druid_tasks (
  id VARCHAR(255) NOT NULL PRIMARY KEY,
  created_date VARCHAR(255) NOT NULL,
  datasource VARCHAR(255) NOT NULL,
  payload BLOB NOT NULL,
  status_payload BLOB NOT NULL,
  active BOOLEAN NOT NULL DEFAULT FALSE,
  type VARCHAR(255),
  group_id VARCHAR(255)
);
CREATE INDEX idx_druid_tasks_active_created_date ON druid_tasks(active, created_date);
CREATE TABLE druid_tasklogs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id VARCHAR(255) DEFAULT NULL,
  log_payload BLOB
);
CREATE INDEX idx_druid_tasklogs_task_id ON druid_tasklogs(task_id);
CREATE TABLE druid_tasklocks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id VARCHAR(255) DEFAULT NULL,
  lock_payload BLOB
);
CREATE INDEX idx_druid_tasklocks_task_id ON druid_tasklocks(task_id);
CREATE TABLE druid_rules (
  id VARCHAR(255) NOT NULL PRIMARY KEY,
  dataSource VARCHAR(255) NOT NULL,
  version VARCHAR(255) NOT NULL,
  payload BLOB NOT NULL
);
CREATE INDEX idx_druid_rules_datasource ON druid_rules(dataSource);
CREATE TABLE druid_config (
  name VARCHAR(255) NOT NULL PRIMARY KEY,
  payload BLOB NOT NULL
);
CREATE TABLE druid_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  audit_key VARCHAR(255) NOT NULL,
  type VARCHAR(255) NOT NULL,
  author VARCHAR(255) NOT NULL,
  comment VARCHAR(2048) NOT NULL,
  created_date VARCHAR(255) NOT NULL,
  payload BLOB NOT NULL
);
CREATE INDEX idx_druid_audit_key_time ON druid_audit(audit_key, created_date);
CREATE INDEX idx_druid_audit_type_time ON druid_audit(type, created_date);
CREATE INDEX idx_druid_audit_audit_time ON druid_audit(created_date);
CREATE TABLE druid_supervisors (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  spec_id VARCHAR(255) NOT NULL,
  created_date VARCHAR(255) NOT NULL,
  payload BLOB NOT NULL
);
CREATE INDEX idx_druid_supervisors_spec_id ON druid_supervisors(spec_id);
CREATE TABLE druid_dataSource (
  dataSource VARCHAR(255) NOT NULL PRIMARY KEY,
  created_date VARCHAR(255) NOT NULL,
  commit_metadata_payload BLOB NOT NULL,
  commit_metadata_sha1 VARCHAR(255) NOT NULL
);
