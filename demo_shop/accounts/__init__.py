"""Customer accounts: sign up, log in, order history."""
