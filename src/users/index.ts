/** What other modules may use of UsersModule. */
export { UsersModule } from './users.module';
export { UsersService } from './users.service';
export { SignInMethods } from './sign-in-methods';
export type { SignInMethodCounter } from './sign-in-methods';
export { User } from './user.entity';
export { UserResponseDto } from './dto/user-response.dto';
export { acceptableEmail, IsUnambiguousEmail, normalizeEmail } from './email';
export { EmailField } from './dto/email-field';
export { DiffersFromPassword, NewPasswordRules, PASSWORD_MAX, PASSWORD_MIN } from './password-policy';
export { usersConfig } from './users.config';
export { ADMIN_ROLE, ROLE_NAME, sameRoles } from './roles';
export { accountDisabled } from './account-disabled';
