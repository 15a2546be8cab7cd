from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields):
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A sign-in: a citizen (by emailed code, no password) or a member of staff."""

    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=200, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.display_name or self.email


class SignInCode(models.Model):
    """A six-digit code emailed to an address; valid for 15 minutes, usable once.

    Only a keyed hash of the code is stored, so a copy of the database does not let anyone
    sign in.
    """

    email = models.EmailField(db_index=True)
    code_hash = models.CharField(max_length=64)
    client = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["email", "created_at"])]

    def __str__(self) -> str:
        return f"Sign-in code for {self.email} at {self.created_at:%Y-%m-%d %H:%M}"


class SignInFailure(models.Model):
    """One failed sign-in step (a wrong password or one-time code, a refused provider
    response), counted to slow down and then lock out guessing for a while.

    `key` names what failed and for whom: "client:<client>" (every account tried from one
    client), "password:account:<account>:client:<client>" (one account from one client)
    and "password:account:<account>" (one account from everywhere), where <account> is a
    keyed hash of the email address and <client> a keyed hash of the client's address;
    neither address is stored."""

    key = models.CharField(max_length=200)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["key", "created_at"])]

    def __str__(self) -> str:
        return f"{self.key} at {self.created_at:%Y-%m-%d %H:%M}"


class SignInUnlock(models.Model):
    """An administrator ended an account's sign-in lock-out: who, for whom, why, and how many
    recorded failures that cleared. Append-only (a database trigger refuses changes)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    failures_cleared = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "sign-in unlock"

    def __str__(self) -> str:
        return f"{self.user} unlocked by {self.by} at {self.created_at:%Y-%m-%d %H:%M}"


class TotpDevice(models.Model):
    """A member of staff's authenticator app: the shared secret (encrypted with a key derived
    from SECRET_KEY), active once a code from it has been checked."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret_encrypted = models.TextField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last time step accepted: a code works once, even within its 30 seconds.
    last_used_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Authenticator app of {self.user}"


class RecoveryCode(models.Model):
    """A one-use code for a member of staff who has lost their authenticator app. Only a
    keyed hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Recovery code of {self.user}"


class ExternalIdentity(models.Model):
    """An account at an OpenID Connect provider (its `sub`) linked to a User here."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="external_identities")
    provider = models.CharField(max_length=60)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "external identities"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "subject"], name="one_user_per_provider_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.subject}"


class ProviderSession(models.Model):
    """A session here that began with a sign-in at a provider, with the provider's session id
    (`sid`), so the provider's back-channel logout can end it."""

    provider = models.CharField(max_length=60)
    sid = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=255)
    session_key = models.CharField(max_length=40)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["provider", "sid"]),
            models.Index(fields=["provider", "subject"]),
        ]

    def __str__(self) -> str:
        return f"{self.provider} session {self.sid or self.subject}"


class UsedTokenId(models.Model):
    """The `jti` of a logout token already acted on, so a replayed one is refused."""

    provider = models.CharField(max_length=60)
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "jti"], name="token_id_used_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.jti}"
