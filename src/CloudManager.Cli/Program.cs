using CloudManager.Cli;

return await CliApplication.RunAsync(args);
