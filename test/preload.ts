// Tests log nothing unless asked: set LOG_LEVEL=debug to see request lines.
process.env.LOG_LEVEL ??= "silent";
