using Rece.Cli;

return ReceCommandLine.Run(args, Console.Out, Console.Error);
