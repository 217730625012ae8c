-- The "organizations" target of Invoke-OrgSync (MySQL 8 / MariaDB 10.6+). Invoke-OrgSync -CreateTargetSchema applies
-- it to the target database (creating the database when absent); it only creates what is missing.
-- Column names follow the organization service's schema; keys are the LAAS ids.

CREATE TABLE IF NOT EXISTS `institute` (
  `instituteId` BIGINT NOT NULL,
  `name`        VARCHAR(255) NOT NULL,
  `imageUrl`    VARCHAR(1024) NULL,
  `createdAt`   DATETIME(3) NOT NULL,
  `updatedAt`   DATETIME(3) NOT NULL,
  PRIMARY KEY (`instituteId`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `user` (
  `userId`    BIGINT NOT NULL,
  `name`      VARCHAR(255) NOT NULL,
  `email`     VARCHAR(191) NOT NULL,
  `password`  VARCHAR(255) NOT NULL,
  `createdAt` DATETIME(3) NOT NULL,
  `updatedAt` DATETIME(3) NOT NULL,
  PRIMARY KEY (`userId`),
  KEY `user_email_idx` (`email`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `institute_users` (
  `instituteId` BIGINT NOT NULL,
  `userId`      BIGINT NOT NULL,
  `role`        ENUM('ADMIN', 'FACULTY', 'STUDENT', 'STAFF', 'DIRECTOR') NOT NULL DEFAULT 'STUDENT',
  `isActive`    BOOLEAN NOT NULL DEFAULT TRUE,
  `createdAt`   DATETIME(3) NOT NULL,
  `updatedAt`   DATETIME(3) NOT NULL,
  PRIMARY KEY (`instituteId`, `userId`),
  KEY `institute_users_userId_idx` (`userId`),
  CONSTRAINT `institute_users_instituteId_fkey` FOREIGN KEY (`instituteId`) REFERENCES `institute` (`instituteId`) ON DELETE CASCADE,
  CONSTRAINT `institute_users_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `user` (`userId`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `user_auth` (
  `userId`    BIGINT NOT NULL,
  `password`  VARCHAR(255) NOT NULL,
  `createdAt` DATETIME(3) NOT NULL,
  `updatedAt` DATETIME(3) NOT NULL,
  PRIMARY KEY (`userId`),
  CONSTRAINT `user_auth_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `user` (`userId`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
