-- The LAAS source tables as Invoke-OrgSync reads them, for the tests, the benchmark and the demo.
CREATE TABLE institutes (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255) NULL, imageUrl VARCHAR(1024) NULL,
  created_at DATETIME NULL, updated_at DATETIME NULL, KEY (updated_at));
CREATE TABLE users (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, first_name VARCHAR(100) NULL, last_name VARCHAR(100) NULL,
  email VARCHAR(255) NULL, password VARCHAR(255) NULL, is_active TINYINT(1) NOT NULL DEFAULT 1,
  created_at DATETIME NULL, updated_at DATETIME NULL, KEY (updated_at));
CREATE TABLE institute_user (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, institute_id BIGINT NOT NULL, user_id BIGINT NOT NULL,
  user_type VARCHAR(32) NULL, status VARCHAR(32) NULL, created_at DATETIME NULL, updated_at DATETIME NULL,
  KEY (user_id), KEY (institute_id), KEY (updated_at));

