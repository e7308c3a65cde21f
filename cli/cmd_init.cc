#include <iostream>

#include "cli.h"

namespace lumbung::cli {

void AddInitCommands(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("init", "create a new ledger and its checkpoint signing key");
  auto origin = std::make_shared<std::string>();
  cmd->add_option(
         "--origin", *origin,
         "the ledger's name in checkpoints, e.g. lumbung.example/jakarta-timur/duren-sawit")
      ->required();
  cmd->callback([&ctx, origin] {
    ctx.run = [&ctx, origin] {
      auto vkey = Ledger::Init(ctx.data_dir, *origin);
      if (!vkey.ok()) return ReportError(vkey.status());
      std::cout << *vkey << std::endl;
      std::cerr << "lumbung: created ledger " << *origin << " in " << ctx.data_dir
                << "; the line above is its verifier key" << std::endl;
      return kExitOk;
    };
  });
}

}  // namespace lumbung::cli
