// Writing a commit's tree into a new directory, all or nothing.
//
// The tree is walked with libgit2 and written here, not with git_checkout_tree: libgit2 1.5
// refuses to check out any tree holding a submodule from a bare repository ("cannot get
// submodules without a working tree"). Blobs are written as committed (no .gitattributes
// filters), and every entry name is checked, so a crafted tree cannot write outside `dir`.
#include <fcntl.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "engine/git/repo_impl.h"

namespace berth::git {
namespace {

namespace fs = std::filesystem;

struct WalkState {
  git_repository* repo;
  std::string root;   // the temporary directory being filled
  std::string error;  // what failed, when the walk stopped
};

bool safe_name(const char* name) {
  return *name && std::strcmp(name, ".") != 0 && std::strcmp(name, "..") != 0 &&
         ::strcasecmp(name, ".git") != 0 && !std::strchr(name, '/');
}

bool write_all(int fd, const char* data, size_t size) {
  for (size_t done = 0; done < size;) {
    ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Writes one entry: a directory (trees, and submodules, which stay empty), a file or a symlink.
bool write_entry(WalkState& st, const std::string& path, const git_tree_entry* entry) {
  git_filemode_t mode = git_tree_entry_filemode(entry);
  if (mode == GIT_FILEMODE_TREE || mode == GIT_FILEMODE_COMMIT)
    return ::mkdir(path.c_str(), 0755) == 0;
  git_blob* blob = nullptr;
  if (git_blob_lookup(&blob, st.repo, git_tree_entry_id(entry)) != 0) {
    st.error = last_git_message();
    return false;
  }
  const char* data = static_cast<const char*>(git_blob_rawcontent(blob));
  size_t size = static_cast<size_t>(git_blob_rawsize(blob));
  bool ok;
  if (mode == GIT_FILEMODE_LINK) {
    ok = ::symlink(std::string(data, size).c_str(), path.c_str()) == 0;
  } else {
    mode_t perms = mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, perms);
    ok = fd >= 0 && write_all(fd, data, size);
    if (fd >= 0 && ::close(fd) != 0) ok = false;
  }
  git_blob_free(blob);
  return ok;
}

int visit(const char* dir, const git_tree_entry* entry, void* payload) {
  auto& st = *static_cast<WalkState*>(payload);
  const char* name = git_tree_entry_name(entry);
  std::string rel = std::string(dir) + name;
  if (!safe_name(name)) {
    st.error = "the tree has an entry that may not be written: '" + rel + "'";
    return -1;
  }
  if (!write_entry(st, st.root + "/" + rel, entry)) {
    if (st.error.empty()) st.error = "cannot write " + rel + ": " + std::strerror(errno);
    return -1;
  }
  return 0;
}

Error checkout_error(const std::string& what) {
  return make_error(ErrorKind::kInput, what, "");
}

}  // namespace

Status checkout(Repo& repo, const std::string& sha, const std::string& dir) {
  auto commit = lookup_commit(repo, sha);
  if (!commit.ok()) return commit.error();
  std::error_code ec;
  fs::path target = fs::absolute(dir, ec).lexically_normal();
  if (ec || dir.empty()) return checkout_error("bad checkout directory '" + dir + "'");
  if (!target.has_filename()) target = target.parent_path();  // "a/b/" -> "a/b"
  if (fs::symlink_status(target, ec).type() != fs::file_type::not_found)
    return make_error(ErrorKind::kUsage,
                      "checkout directory " + target.string() + " already exists",
                      "give a directory that does not exist yet");
  fs::create_directories(target.parent_path(), ec);
  if (ec)
    return checkout_error("cannot create " + target.parent_path().string() + ": " + ec.message());
  // A unique sibling, so two runs never share one; the rename below is atomic.
  std::string tmp = target.string() + ".tmp-XXXXXX";
  if (!::mkdtemp(tmp.data()))
    return checkout_error("cannot create a directory beside " + target.string() + ": " +
                          std::strerror(errno));
  ::chmod(tmp.c_str(), 0755);  // mkdtemp made it 0700; a checkout is like any clone
  std::string name = "commit " + short_sha(*git_commit_id(commit->get()));
  git_tree* tree = nullptr;
  WalkState st{repo.impl().repo, tmp, ""};
  int rc = git_commit_tree(&tree, commit->get());
  if (rc == 0) rc = git_tree_walk(tree, GIT_TREEWALK_PRE, visit, &st);
  if (rc != 0 && st.error.empty()) st.error = last_git_message();
  git_tree_free(tree);
  if (rc == 0 && ::rename(tmp.c_str(), target.c_str()) != 0)
    st.error = "cannot move it to " + target.string() + ": " + std::strerror(errno);
  if (!st.error.empty() || rc != 0) {
    fs::remove_all(tmp, ec);
    return checkout_error("cannot check out " + name + ": " + st.error);
  }
  return ok_status();
}

}  // namespace berth::git
