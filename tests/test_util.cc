#include "test_util.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace lumbung::testing {

TempDir::TempDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "lumbung-test-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0 || pipe(err_pipe) != 0) {
    throw std::runtime_error("pipe failed");
  }
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
      close(fd);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  // Feed stdin and drain both outputs together so neither side blocks.
  size_t written = 0;
  if (input.empty()) close(in_pipe[1]);
  bool in_open = !input.empty();
  CommandResult result;
  bool out_open = true, err_open = true;
  char buf[65536];
  while (out_open || err_open || in_open) {
    pollfd fds[3];
    int n = 0;
    if (out_open) fds[n++] = {out_pipe[0], POLLIN, 0};
    if (err_open) fds[n++] = {err_pipe[0], POLLIN, 0};
    if (in_open) fds[n++] = {in_pipe[1], POLLOUT, 0};
    if (poll(fds, static_cast<nfds_t>(n), -1) < 0) break;
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in_pipe[1]) {
        const ssize_t w = write(in_pipe[1], input.data() + written, input.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w <= 0 || written == input.size()) {
          close(in_pipe[1]);
          in_open = false;
        }
        continue;
      }
      const ssize_t r = read(fds[i].fd, buf, sizeof buf);
      std::string& target = fds[i].fd == out_pipe[0] ? result.out : result.err;
      if (r > 0) {
        target.append(buf, static_cast<size_t>(r));
      } else {
        (fds[i].fd == out_pipe[0] ? out_open : err_open) = false;
      }
    }
  }
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::vector<std::string> SampleEventOfEveryType() {
  const std::string vkey =
      "lumbung.example/jakarta-timur/"
      "duren-sawit+b0ab1d20+AZA64s7PO6hGoAnXGbPCKbIo6TxCdPAzX89eJx9uRz4m";
  return {
      R"({"type":"LedgerOpened","event_id":"ledger-opened","effective_date":"2026-01-01","origin":"lumbung.example/jakarta-timur/duren-sawit","verifier_key":")" +
          vkey + R"("})",
      R"({"type":"ProgramOpened","event_id":"prog-pkh-2026","effective_date":"2026-01-02","program_id":"pkh-2026","name":"Program Keluarga Harapan 2026","kind":"CONDITIONAL_CASH","unit":"IDR","entitlement_per_cycle":750000,"legal_basis":"SK Mensos 12/HUK/2026"})",
      R"({"type":"FundsAllocated","event_id":"alloc-pkh-001","effective_date":"2026-01-05","program_id":"pkh-2026","funder":"apbn-kemensos","amount":1500000000,"reference":"DIPA 027.04.1.2026"})",
      R"({"type":"FundsReturned","event_id":"ret-pkh-001","effective_date":"2026-12-20","program_id":"pkh-2026","funder":"apbn-kemensos","amount":12500000,"reference":"SSBP 2026/12/001","reason":"sisa dana tidak tersalurkan"})",
      R"({"type":"CycleOpened","event_id":"cyc-pkh-2026-q1","effective_date":"2026-01-10","program_id":"pkh-2026","cycle":"2026-Q1","planned_count":1200,"planned_amount":900000000})",
      R"({"type":"CycleClosed","event_id":"cyc-pkh-2026-q1-close","effective_date":"2026-03-31","program_id":"pkh-2026","cycle":"2026-Q1"})",
      R"({"type":"BeneficiaryEnrolled","event_id":"enr-pkh-hh-000017","effective_date":"2026-01-08","program_id":"pkh-2026","beneficiary_id":"hh-000017","region_code":"31.75.07.1005.03.005","household_id":"kk-3175071005030005","source":"DTSEN","pii_commitment":"9f2c4e0b7a1d3c5e8f60718293a4b5c6d7e8f9011223344556677889900aabbc"})",
      R"({"type":"BeneficiaryExited","event_id":"exit-pkh-hh-000099","effective_date":"2026-06-30","program_id":"pkh-2026","beneficiary_id":"hh-000099","reason":"MOVED"})",
      R"({"type":"AidDisbursed","event_id":"pkh-2026-11-000017","effective_date":"2026-11-03","program_id":"pkh-2026","beneficiary_id":"hh-000017","cycle":"2026-11","amount":750000,"channel":"BANK","batch_id":"sp2d-2026-11-01","provider_ref":"BRI 8812-0031"})",
      R"({"type":"DisbursementReturned","event_id":"ret-pkh-2026-11-000031","effective_date":"2026-11-09","disbursed_seq":42,"reason":"ACCOUNT_NOT_FOUND"})",
      R"({"type":"GroupFormed","event_id":"grp-kube-mawar","effective_date":"2026-02-01","group_id":"kube-mawar","name":"KUBE Mawar RW 03","region_code":"31.75.07.1005.03","max_loan":5000000,"max_installments":52})",
      R"({"type":"MemberJoined","event_id":"mem-kube-mawar-m07","effective_date":"2026-02-01","group_id":"kube-mawar","member_id":"m07","role":"TREASURER"})",
      R"({"type":"MemberLeft","event_id":"left-kube-mawar-m12","effective_date":"2026-09-15","group_id":"kube-mawar","member_id":"m12"})",
      R"({"type":"CapitalGranted","event_id":"cap-kube-mawar-1","effective_date":"2026-02-10","program_id":"uep-2026","group_id":"kube-mawar","amount":25000000})",
      R"({"type":"LoanIssued","event_id":"loan-kube-mawar-0001","effective_date":"2026-02-12","loan_id":"kube-mawar-0001","group_id":"kube-mawar","member_id":"m07","principal":2000000,"installments":20,"period_days":7,"first_due_date":"2026-02-19","purpose":"modal warung sembako"})",
      R"({"type":"LoanRepaid","event_id":"rep-kube-mawar-0001-01","effective_date":"2026-02-19","loan_id":"kube-mawar-0001","amount":100000})",
      R"({"type":"LoanRescheduled","event_id":"resch-kube-mawar-0001","effective_date":"2026-05-01","loan_id":"kube-mawar-0001","installments":10,"period_days":14,"next_due_date":"2026-05-15","reason":"usaha terdampak banjir"})",
      R"({"type":"LoanWrittenOff","event_id":"wo-kube-mawar-0003","effective_date":"2026-10-31","loan_id":"kube-mawar-0003","reason":"anggota meninggal dunia"})",
      R"({"type":"EventCorrected","event_id":"corr-0042","effective_date":"2026-11-04","target_seq":42,"reason":"nominal salah ketik","replacement":{"type":"AidDisbursed","program_id":"pkh-2026","beneficiary_id":"hh-000017","cycle":"2026-11","amount":700000,"channel":"BANK"}})",
      R"({"type":"PersonalDataErased","event_id":"erase-pkh-hh-000099","effective_date":"2026-12-01","program_id":"pkh-2026","beneficiary_id":"hh-000099","reason":"permintaan penghapusan data menurut UU PDP"})",
  };
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.push_back(text.substr(start, nl - start));
  }
  return out;
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace lumbung::testing
