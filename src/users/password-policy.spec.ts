import { validate } from 'class-validator';
import { DiffersFromPassword, isBlankPassword, isCommonPassword, IsNotCommonPassword, NewPasswordRules, PASSWORD_MAX, PASSWORD_MIN } from './password-policy';

class NewPasswordBody {
  @NewPasswordRules()
  password: unknown;
}

class ChangePasswordBody {
  currentPassword: unknown;

  @DiffersFromPassword('currentPassword')
  newPassword: unknown;
}

class CustomMessageBody {
  @IsNotCommonPassword({ message: 'pick something else' })
  password: unknown;
}

/** The constraints a body breaks, by name, with their messages. */
async function constraintsOf(body: object): Promise<Record<string, string>> {
  const errors = await validate(body);
  return Object.assign({}, ...errors.map((error) => error.constraints));
}

const newPassword = (password: unknown) => constraintsOf(Object.assign(new NewPasswordBody(), { password }));
const change = (currentPassword: unknown, newPassword: unknown) => constraintsOf(Object.assign(new ChangePasswordBody(), { currentPassword, newPassword }));

describe('isCommonPassword', () => {
  it.each(['password', 'PassWord', 'ＰＡＳＳＷＯＲＤ', 'qwerty', '12345678'])('finds %p on the list (NFKC-normalised, lower-cased)', (password) => {
    expect(isCommonPassword(password)).toBe(true);
  });

  it.each(['correct horse battery staple', 'Tr0ub4dor&3-but-longer'])('does not find %p', (password) => {
    expect(isCommonPassword(password)).toBe(false);
  });
});

describe('isBlankPassword', () => {
  it.each(['', '        ', ' \t\n ', '\u3000\u3000\u00a0\u00a0\u2003\u2003\u3000\u3000'])('finds %j blank', (password) => {
    expect(isBlankPassword(password)).toBe(true);
  });

  it('finds a password with one visible character among spaces not blank', () => {
    expect(isBlankPassword('    x    ')).toBe(false);
  });
});

describe('@NewPasswordRules', () => {
  it('passes a passphrase', async () => {
    await expect(newPassword('correct horse battery staple')).resolves.toEqual({});
  });

  it(`passes ${PASSWORD_MIN} to ${PASSWORD_MAX} characters and refuses one fewer or one more`, async () => {
    await expect(newPassword('k7#Qm2!x')).resolves.toEqual({});
    await expect(newPassword('k7#Qm2!')).resolves.toHaveProperty('isLength');
    await expect(newPassword('k7#Qm2!x'.repeat(32))).resolves.toEqual({});
    await expect(newPassword(`${'k7#Qm2!x'.repeat(32)}y`)).resolves.toHaveProperty('isLength');
  });

  it('refuses a common password, saying why', async () => {
    await expect(newPassword('Password')).resolves.toEqual({
      isNotCommonPassword: 'password is one of the most common passwords, which attackers try first: choose another (a passphrase of several words works well)',
    });
  });

  it('refuses a password of nothing but whitespace, saying why', async () => {
    await expect(newPassword('\u3000'.repeat(10))).resolves.toEqual({
      isNotBlankPassword: 'password must not be only whitespace: choose a passphrase of words',
    });
  });

  it('refuses what is not a string as such only, leaving the password rules to strings', async () => {
    await expect(newPassword(12345678)).resolves.toEqual({
      isString: 'password must be a string',
      isLength: expect.any(String),
    });
  });

  it('lets a rule be given its own message', async () => {
    await expect(constraintsOf(Object.assign(new CustomMessageBody(), { password: 'password' }))).resolves.toEqual({
      isNotCommonPassword: 'pick something else',
    });
  });
});

describe('@DiffersFromPassword', () => {
  it('refuses the current password as the new one, saying why', async () => {
    await expect(change('correct horse battery staple', 'correct horse battery staple')).resolves.toEqual({
      differsFromPassword: 'newPassword must differ from the current password: changing it to itself would change nothing',
    });
  });

  it('compares the NFKC forms, as passwords are hashed', async () => {
    await expect(change('ｃｏｒｒｅｃｔ horse battery staple', 'correct horse battery staple')).resolves.toHaveProperty('differsFromPassword');
  });

  it('passes another password, and leaves a missing or non-string current password to its own rules', async () => {
    await expect(change('correct horse battery staple', 'Correct horse battery staple')).resolves.toEqual({});
    await expect(change(undefined, 'correct horse battery staple')).resolves.toEqual({});
    await expect(change(42, '42')).resolves.toEqual({});
  });
});
