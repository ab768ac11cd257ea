package dev.onebase.backup;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The off-site scenario with onebase.backup.encryption-key set: everything off-site is encrypted, WAL included. */
@QuarkusTest
@TestProfile(EncryptedBackupTest.Encrypted.class)
class EncryptedOffsiteCopiesTest extends OffsiteCopiesTest {
}
